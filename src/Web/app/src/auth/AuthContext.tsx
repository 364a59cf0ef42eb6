import { useQueryClient } from "@tanstack/react-query";
import { createContext, use, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import * as authApi from "../api/auth";
import { onSessionExpired, setAccessToken } from "../api/session";
import type { LoginResponse, User } from "../api/types";

export type AuthState =
  | { status: "restoring" }
  | { status: "signedOut"; reason: "expired" | "signedOut" | null; restoreError: unknown }
  | { status: "signedIn"; user: User };

interface AuthContextValue {
  state: AuthState;
  user: User | null;
  signIn: (email: string, password: string) => Promise<User>;
  signOut: () => Promise<void>;
  /** Signs in with a session the server just opened (a sign-up, a password change): its token and user. */
  adoptSession: (session: LoginResponse) => User;
  /** The signed-in user's new details (the account renamed): no new token. */
  adoptUser: (user: User) => void;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<AuthState>({ status: "restoring" });
  const userId = useRef<string | null>(null);
  useEffect(() => {
    userId.current = state.status === "signedIn" ? state.user.id : null;
  }, [state]);

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

  const adoptSession = useCallback((session: LoginResponse) => {
    setAccessToken(session);
    // The same user after a password change keeps the cache; anyone else starts afresh.
    if (userId.current !== session.user.id) queryClient.clear();
    setState({ status: "signedIn", user: session.user });
    return session.user;
  }, [queryClient]);

  const adoptUser = useCallback((user: User) => {
    setState((previous) => (previous.status === "signedIn" && previous.user.id === user.id ? { status: "signedIn", user } : previous));
  }, []);

  const value = useMemo<AuthContextValue>(
    () => ({ state, user: state.status === "signedIn" ? state.user : null, signIn, signOut, adoptSession, adoptUser }),
    [state, signIn, signOut, adoptSession, adoptUser],
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
