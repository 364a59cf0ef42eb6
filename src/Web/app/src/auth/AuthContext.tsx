import { useQueryClient } from "@tanstack/react-query";
import { createContext, use, useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import * as authApi from "../api/auth";
import { onSessionExpired } from "../api/session";
import type { User } from "../api/types";

export type AuthState =
  | { status: "restoring" }
  | { status: "signedOut"; reason: "expired" | "signedOut" | null; restoreError: unknown }
  | { status: "signedIn"; user: User };

interface AuthContextValue {
  state: AuthState;
  user: User | null;
  signIn: (email: string, password: string) => Promise<User>;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<AuthState>({ status: "restoring" });

  useEffect(() => {
    let cancelled = false;
    authApi
      .restoreSession()
      .then((user) => {
        if (cancelled) return;
        setState(user ? { status: "signedIn", user } : { status: "signedOut", reason: null, restoreError: null });
      })
      .catch((error: unknown) => {
        if (!cancelled) setState({ status: "signedOut", reason: null, restoreError: error });
      });
    const unsubscribe = onSessionExpired(() => {
      queryClient.clear();
      setState({ status: "signedOut", reason: "expired", restoreError: null });
    });
    return () => {
      cancelled = true;
      unsubscribe();
    };
  }, [queryClient]);

  const signIn = useCallback(async (email: string, password: string) => {
    const user = await authApi.login(email, password);
    queryClient.clear();
    setState({ status: "signedIn", user });
    return user;
  }, [queryClient]);

  const signOut = useCallback(async () => {
    try {
      await authApi.logout();
    } finally {
      queryClient.clear();
      setState({ status: "signedOut", reason: "signedOut", restoreError: null });
    }
  }, [queryClient]);

  const value = useMemo<AuthContextValue>(
    () => ({ state, user: state.status === "signedIn" ? state.user : null, signIn, signOut }),
    [state, signIn, signOut],
  );
  return <AuthContext value={value}>{children}</AuthContext>;
}

export function useAuth(): AuthContextValue {
  const value = use(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}

/** The signed-in user; only for components rendered behind the sign-in gate. */
export function useUser(): User {
  const { user } = useAuth();
  if (!user) throw new Error("useUser without a signed-in user");
  return user;
}
