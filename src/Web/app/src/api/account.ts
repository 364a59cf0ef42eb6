// The owner's account (docs/API.md, Auth and accounts): sign-up, password change, the account's name, its
// operators, its usage per day, assistant and channel, and the channels the first-run guide looks at.

import { api, query } from "./http";
import type { SpendRow } from "./billing";
import type { AccountUser, LoginResponse } from "./types";

const withSignal = (signal?: AbortSignal) => (signal ? { signal } : {});

/** The server's password rules (PasswordPolicy in AuthContracts.cs): shown up front, enforced there. */
export const passwordMinLength = 10;
export const passwordMaxLength = 128;

export interface RegisterRequest {
  email: string;
  password: string;
  name: string;
  accountName?: string;
  referralCode?: string;
}

/** 201: a new business account and its owner, signed in (the refresh cookie is set). */
export function register(request: RegisterRequest): Promise<LoginResponse> {
  return api<LoginResponse>("/api/auth/register", { method: "POST", body: request, auth: false, credentials: "include" });
}

/** Ends every session of the user and answers with a fresh one for this tab (and a new refresh cookie). */
export function changePassword(currentPassword: string, newPassword: string): Promise<LoginResponse> {
  return api<LoginResponse>("/api/auth/password", { method: "POST", body: { currentPassword, newPassword }, credentials: "include" });
}

export interface Account {
  id: string;
  name: string;
}

export function getAccount(signal?: AbortSignal): Promise<Account> {
  return api<Account>("/api/account", withSignal(signal));
}

export function renameAccount(name: string): Promise<Account> {
  return api<Account>("/api/account", { method: "PATCH", body: { name } });
}

export interface InviteRequest {
  name: string;
  email: string;
  password: string;
}

export function inviteOperator(request: InviteRequest): Promise<AccountUser> {
  return api<AccountUser>("/api/account/operators", { method: "POST", body: request });
}

export function removeOperator(id: string): Promise<undefined> {
  return api<undefined>(`/api/account/operators/${encodeURIComponent(id)}`, { method: "DELETE" });
}

/** One UTC day of the account. */
export interface UsageDay {
  day: string;
  newDialogs: number;
  customerMessages: number;
  aiReplies: number;
  operatorMessages: number;
  promptTokens: number;
  completionTokens: number;
  /** Roubles, a decimal string. */
  spend: string;
}

/** One day of one assistant on one channel. */
export interface UsageSlice {
  day: string;
  assistantId: string;
  channel: string;
  newDialogs: number;
  customerMessages: number;
  aiReplies: number;
  operatorMessages: number;
}

export interface AccountUsage {
  from: string;
  to: string;
  currency: string;
  days: UsageDay[];
  slices: UsageSlice[];
}

/** `from` and `to` are UTC days (yyyy-MM-dd), both included. */
export function getUsage(from: string, to: string, signal?: AbortSignal): Promise<AccountUsage> {
  return api<AccountUsage>(`/api/account/usage${query({ from, to })}`, withSignal(signal));
}

/** A Telegram bot connected to one of the account's assistants (only what the guide reads). */
export interface Bot {
  id: string;
  assistantId: string;
  username: string;
  status: string;
}

export function listBots(signal?: AbortSignal): Promise<Bot[]> {
  return api<Bot[]>("/api/bots", withSignal(signal));
}

/** The widget's allowed origins of an assistant as GET /api/assistants lists it (the list carries its widget settings). */
export function allowedOrigins(assistant: object): string[] {
  const widget = (assistant as { widget?: { allowedOrigins?: unknown } | null }).widget;
  const origins = widget?.allowedOrigins;
  return Array.isArray(origins) ? origins.filter((o): o is string => typeof o === "string") : [];
}

/** The account's spending per UTC day and service over a range (GET /api/balance/spend). */
export function getSpendRange(from: string, to: string, signal?: AbortSignal): Promise<SpendRow[]> {
  return api<SpendRow[]>(`/api/balance/spend${query({ from, to })}`, withSignal(signal));
}

/** Whether the account has any dialog at all (one item is enough). */
export async function hasAnyDialog(signal?: AbortSignal): Promise<boolean> {
  const page = await api<{ items: unknown[] }>(`/api/dialogs${query({ limit: 1 })}`, withSignal(signal));
  return page.items.length > 0;
}
