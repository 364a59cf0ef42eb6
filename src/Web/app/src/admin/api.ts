// The platform admins' API (/api/admin/*): shapes as the server writes them (camelCase; money is a decimal
// string in roubles with its currency), and one function per call.

import { api, query, uuid } from "../api/http";
import type { Role } from "../api/types";

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A range of UTC days, both ends included ("2026-12-01"). */
export interface DayRange {
  from: string;
  to: string;
}

// Analytics

export interface OverviewTotals {
  accounts: number;
  users: number;
  dialogs: number;
  messages: number;
  promptTokens: number;
  completionTokens: number;
  revenue: string;
  spend: string;
}

export interface OverviewDay {
  day: string;
  newAccounts: number;
  newUsers: number;
  newDialogs: number;
  customerMessages: number;
  aiReplies: number;
  operatorMessages: number;
  promptTokens: number;
  completionTokens: number;
  revenue: string;
  spend: string;
}

export interface AnalyticsOverview {
  from: string;
  to: string;
  currency: string;
  totals: OverviewTotals;
  days: OverviewDay[];
}

export function getOverview(range: DayRange, signal?: AbortSignal): Promise<AnalyticsOverview> {
  return api<AnalyticsOverview>(`/api/admin/analytics/overview${query({ from: range.from, to: range.to })}`, { signal });
}

// Users

export interface AdminUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  blocked: boolean;
  account: { id: string; name: string } | null;
  /** The account's balance in roubles; null for admins (they have no account). */
  balance?: string | null;
}

export function listUsers(q: string, cursor: string | null, signal?: AbortSignal, limit = 50): Promise<Page<AdminUser>> {
  return api<Page<AdminUser>>(`/api/admin/users${query({ q, limit, cursor })}`, { signal });
}

export function updateUser(id: string, change: { blocked?: boolean; role?: "owner" | "operator" }): Promise<AdminUser> {
  return api<AdminUser>(`/api/admin/users/${encodeURIComponent(id)}`, { method: "PATCH", body: change });
}

export interface LedgerEntry {
  id: number;
  at: string;
  kind: string;
  amount: string;
  balanceAfter: string;
  service: string | null;
  reference: string | null;
  reason: string | null;
}

/** A credit (or, negative, a debit) of an account's balance; one idempotency key per submit. */
export function adjustBalance(accountId: string, amount: string, reason: string, key: string = uuid()): Promise<LedgerEntry> {
  return api<LedgerEntry>(`/api/admin/accounts/${encodeURIComponent(accountId)}/balance`, {
    method: "POST",
    body: { amount, reason },
    headers: { "idempotency-key": key },
  });
}

export interface UsageDay {
  day: string;
  newDialogs: number;
  customerMessages: number;
  aiReplies: number;
  operatorMessages: number;
  promptTokens: number;
  completionTokens: number;
  spend: string;
}

export interface AccountUsage {
  from: string;
  to: string;
  currency: string;
  days: UsageDay[];
}

export function getAccountUsage(accountId: string, range: DayRange, signal?: AbortSignal): Promise<AccountUsage> {
  return api<AccountUsage>(`/api/admin/accounts/${encodeURIComponent(accountId)}/usage${query({ from: range.from, to: range.to })}`, { signal });
}

// AI provider keys

export const aiProviders = ["openai", "yandexgpt", "gigachat", "anthropic", "custom"] as const;
export type AiProvider = (typeof aiProviders)[number];

export interface AiTokenHealth {
  circuit: string;
  requestsInWindow: number;
  tokensToday: number;
  inFlight: number;
  openUntil: string | null;
  totalRequests: number;
  totalFailures: number;
  lastError: string | null;
}

export interface AiToken {
  id: string;
  provider: string;
  baseUrl: string | null;
  models: string[];
  priority: number;
  dailyLimit: number | null;
  rpm: number | null;
  enabled: boolean;
  folderId: string | null;
  scope: string | null;
  proxyUrl: string | null;
  /** A few characters of the key to tell keys apart; the key itself is never returned. */
  keyHint: string;
  status: AiTokenHealth;
}

export interface AiTokenRequest {
  provider?: AiProvider;
  apiKey?: string;
  baseUrl?: string;
  models?: string[];
  priority?: number;
  dailyLimit?: number;
  rpm?: number;
  enabled?: boolean;
  folderId?: string;
  scope?: string;
}

export function listAiTokens(signal?: AbortSignal): Promise<AiToken[]> {
  return api<AiToken[]>("/api/admin/ai-tokens", { signal });
}

export function addAiToken(request: AiTokenRequest): Promise<AiToken> {
  return api<AiToken>("/api/admin/ai-tokens", { method: "POST", body: request });
}

export function changeAiToken(id: string, request: AiTokenRequest): Promise<AiToken> {
  return api<AiToken>(`/api/admin/ai-tokens/${encodeURIComponent(id)}`, { method: "PATCH", body: request });
}

export function removeAiToken(id: string): Promise<void> {
  return api<undefined>(`/api/admin/ai-tokens/${encodeURIComponent(id)}`, { method: "DELETE" });
}

export interface AiUsageDay {
  day: string;
  /** The key (by=key) or the account (by=account) the row is for. */
  key: string | null;
  calls: number;
  failures: number;
  promptTokens: number;
  completionTokens: number;
}

export function getAiUsage(range: DayRange, key: string | null, signal?: AbortSignal): Promise<AiUsageDay[]> {
  return api<AiUsageDay[]>(`/api/admin/ai-usage${query({ by: "key", id: key, from: range.from, to: range.to })}`, { signal });
}

// Bots

export interface AdminBot {
  id: string;
  accountId: string;
  assistantId: string;
  username: string;
  status: string;
  lastError: string | null;
  updatesIn: number;
  repliesOut: number;
  rateLimited: number;
  queueLength: number;
  silo: string;
}

export function listBots(cursor: string | null, signal?: AbortSignal, limit = 100): Promise<Page<AdminBot>> {
  return api<Page<AdminBot>>(`/api/admin/bots${query({ limit, cursor })}`, { signal });
}

/** `bot.status` on the admins' feed (/api/admin/events). */
export interface BotStatusEvent {
  botId: string;
  accountId: string;
  status: string;
  error: string | null;
}

export function isBotStatusEvent(data: unknown): data is BotStatusEvent {
  return typeof data === "object" && data !== null && typeof (data as { botId?: unknown }).botId === "string"
    && typeof (data as { status?: unknown }).status === "string";
}

// Cluster

export interface ClusterSilo {
  address: string;
  name: string;
  hostName: string;
  status: string;
  startedAt: string;
  uptimeSeconds: number;
  activations: number | null;
  cpuPercent: number | null;
  memoryBytes: number | null;
  messagesPerSecond: number | null;
  activationsByType: Record<string, number>;
}

export interface Cluster {
  at: string;
  activeSilos: number;
  activations: number;
  silos: ClusterSilo[];
}

export function getCluster(signal?: AbortSignal): Promise<Cluster> {
  return api<Cluster>("/api/admin/cluster", { signal });
}

/** Sets the Orleans Dashboard's path-scoped cookie for this admin (the dashboard cannot send a bearer token). */
export function startDashboardSession(): Promise<void> {
  return api<undefined>("/api/auth/dashboard-session", { method: "POST" });
}

// Audit

/** The actions the server records (AuditActions, and the billing endpoints' own). */
export const auditActions = [
  "user.registered",
  "login.succeeded",
  "login.failed",
  "login.locked",
  "login.blocked_user",
  "logout",
  "refresh.reused",
  "operator.invited",
  "operator.removed",
  "user.role_changed",
  "user.blocked",
  "user.unblocked",
  "user.password_changed",
  "admin.created",
  "account.renamed",
  "ai_token.added",
  "ai_token.changed",
  "ai_token.removed",
  "bot.token_rotated",
  "balance.adjust",
  "balance.limits",
  "price.set",
  "promo.create",
] as const;

export interface AuditEntry {
  id: string;
  at: string;
  action: string;
  actorUserId: string | null;
  accountId: string | null;
  target: string | null;
  ip: string | null;
  userAgent: string | null;
  details: string | null;
}

export interface AuditFilter {
  action: string | null;
  actorId: string | null;
  accountId: string | null;
  /** ISO instants; `to` is exclusive. */
  from: string | null;
  to: string | null;
}

export function listAudit(filter: AuditFilter, cursor: string | null, signal?: AbortSignal, limit = 50): Promise<Page<AuditEntry>> {
  return api<Page<AuditEntry>>(`/api/admin/audit${query({ ...filter, limit, cursor })}`, { signal });
}
