import { api } from "./http";
import { refreshSession, setAccessToken } from "./session";
import type { LoginResponse, User } from "./types";

export async function login(email: string, password: string): Promise<User> {
  const response = await api<LoginResponse>("/api/auth/login", {
    method: "POST",
    body: { email, password },
    auth: false,
    credentials: "include",
  });
  setAccessToken(response);
  return response.user;
}

export async function logout(): Promise<void> {
  try {
    await api<undefined>("/api/auth/logout", { method: "POST", credentials: "include" });
  } finally {
    setAccessToken(null);
  }
}

export function me(): Promise<User> {
  return api<User>("/api/me");
}

/** On page load: a session cookie from an earlier visit gives a token, then the user. Null when signed out. */
export async function restoreSession(): Promise<User | null> {
  if (!(await refreshSession())) return null;
  return me();
}
