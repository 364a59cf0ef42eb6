// fetch for the API: JSON in and out, the Bearer token, one silent refresh and retry on 401,
// problem+json errors turned into ApiError.

import i18n from "../i18n";
import { NetworkError, errorFromResponse } from "./errors";
import { accessToken, hasFreshToken, refreshSession } from "./session";

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Send the Bearer token (default true). */
  auth?: boolean;
  /** Send cookies (only the auth endpoints need them). */
  credentials?: RequestCredentials;
}

function buildInit(options: RequestOptions): RequestInit {
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  const token = options.auth === false ? null : accessToken();
  if (token) headers.authorization = `Bearer ${token}`;
  const init: RequestInit = {
    method: options.method ?? "GET",
    headers,
    credentials: options.credentials ?? "same-origin",
  };
  if (options.signal) init.signal = options.signal;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  return init;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  try {
    return await fetch(path, buildInit(options));
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new NetworkError(i18n.t("errors.network"));
  }
}

/** Fetches with the current token, refreshing it first when it is about to expire and once after a 401. */
export async function authorizedFetch(path: string, options: RequestOptions = {}): Promise<Response> {
  const auth = options.auth !== false;
  if (auth && !hasFreshToken()) await refreshSession().catch(() => false);
  let response = await send(path, options);
  if (auth && response.status === 401 && (await refreshSession().catch(() => false))) {
    response = await send(path, options);
  }
  return response;
}

/** Calls the API and reads the JSON answer (undefined for 204 or an empty body). */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await authorizedFetch(path, options);
  if (!response.ok) throw await errorFromResponse(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A query string from the values that are set (empty strings, null and undefined are left out). */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "") continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A random UUID v4, also where crypto.randomUUID is missing (plain http on a non-local host). */
export function uuid(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
