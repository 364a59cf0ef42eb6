// The access token lives in this module's memory only (never in storage); the refresh token is an httpOnly
// cookie the browser sends to /api/auth. A refresh needs the readable replyx_csrf cookie echoed as a header.
// Refreshes are single-flight in this tab and serialised across tabs (Web Locks), because the server rotates
// the refresh token and two tabs presenting the same one at once would look like a stolen token.

import i18n from "../i18n";
import { ApiError, NetworkError, errorFromResponse } from "./errors";
import type { AccessToken } from "./types";

export const csrfCookie = "replyx_csrf";
export const csrfHeader = "X-CSRF-Token";

/** Refresh this long before the token expires (or at 80% of its life when that is shorter). */
const refreshAheadMs = 60_000;
const minRefreshDelayMs = 5_000;

interface TokenState {
  value: string;
  expiresAt: number;
}

let token: TokenState | null = null;
let refreshTimer: number | undefined;
let inflight: Promise<boolean> | null = null;
const expiredListeners = new Set<() => void>();

export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

export function accessToken(): string | null {
  return token?.value ?? null;
}

/** True when there is a token that is not about to expire. */
export function hasFreshToken(): boolean {
  return token !== null && token.expiresAt - Date.now() > 5_000;
}

export function setAccessToken(next: AccessToken | null): void {
  window.clearTimeout(refreshTimer);
  if (next === null) {
    token = null;
    return;
  }
  const expiresAt = Date.parse(next.accessTokenExpiresAt);
  token = { value: next.accessToken, expiresAt: Number.isFinite(expiresAt) ? expiresAt : Date.now() + 5 * 60_000 };
  const lifetime = token.expiresAt - Date.now();
  const delay = Math.max(minRefreshDelayMs, Math.min(lifetime - refreshAheadMs, lifetime * 0.8));
  refreshTimer = window.setTimeout(() => void refreshSession(), delay);
}

/** Called when the session is over: a refresh was refused, so the user has to sign in again. */
export function onSessionExpired(listener: () => void): () => void {
  expiredListeners.add(listener);
  return () => expiredListeners.delete(listener);
}

async function withRefreshLock<T>(work: () => Promise<T>): Promise<T> {
  const locks = navigator.locks as LockManager | undefined; // Missing on plain http and in old browsers.
  if (!locks) return work();
  return locks.request("replyx.refresh", () => work());
}

async function requestRefresh(): Promise<AccessToken | null> {
  const csrf = readCookie(csrfCookie);
  if (!csrf) return null; // No session cookie pair at all: nothing to refresh.
  let response: Response;
  try {
    response = await fetch("/api/auth/refresh", {
      method: "POST",
      credentials: "include",
      headers: { [csrfHeader]: csrf, accept: "application/json" },
    });
  } catch {
    throw new NetworkError(i18n.t("errors.network"));
  }
  if (response.status === 401 || response.status === 403) return null;
  if (!response.ok) throw await errorFromResponse(response);
  return (await response.json()) as AccessToken;
}

/**
 * Gets a new access token from the refresh cookie. Resolves true on success and false when the server
 * refused (the session is over: listeners of onSessionExpired hear it if there was a session); rejects
 * on network or server failure, when the session may still be good.
 */
export function refreshSession(): Promise<boolean> {
  inflight ??= (async () => {
    try {
      const hadSession = token !== null;
      const next = await withRefreshLock(requestRefresh);
      setAccessToken(next);
      if (next === null && hadSession) for (const listener of expiredListeners) listener();
      return next !== null;
    } catch (error) {
      // Keep the current token (it may still be valid) and try again a little later.
      if (token !== null) {
        window.clearTimeout(refreshTimer);
        refreshTimer = window.setTimeout(() => void refreshSession(), 15_000);
      }
      throw error;
    } finally {
      inflight = null;
    }
  })();
  return inflight;
}

export function isUnauthorized(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}
