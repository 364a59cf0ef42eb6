// The account's balance and ledger (owners), the price list (anyone signed in), and the admins' prices and
// promo codes (docs/API.md, Balance and billing). Money is a decimal string in roubles with up to 6 decimals.

import { errorFromResponse } from "./errors";
import { api, authorizedFetch, query, uuid } from "./http";
import type { Page } from "./types";

export const ledgerKinds = ["charge", "topup", "refund", "promo", "referral", "welcome", "adjustment"] as const;
export type LedgerKind = (typeof ledgerKinds)[number];

export const billingServices = ["ai_message", "ai_tokens_in", "ai_tokens_out", "document_upload", "bot_message", "embedding"] as const;
export type BillingService = (typeof billingServices)[number];

export type PriceUnit = "reply" | "document" | "message" | "1k tokens";

/** `GET /api/balance`. */
export interface Balance {
  balance: string;
  currency: string;
  lowBalanceThreshold: string;
  /** Null: no daily cap. */
  dailyCap: string | null;
  spentToday: string;
  /** Off: nothing is charged on this platform. */
  billingEnabled: boolean;
  /** What a new business registers with so that this account gets the referral bonus. */
  referralCode: string;
  /** Whether top-ups are possible on this platform, and the smallest and largest one (roubles). */
  topUp: { available: boolean; min: string; max: string };
}

export interface Limits {
  lowBalanceThreshold: string;
  dailyCap: string | null;
}

export interface LedgerEntry {
  id: number;
  at: string;
  kind: LedgerKind;
  /** Signed: charges and refunds are negative. */
  amount: string;
  balanceAfter: string;
  service: string | null;
  /** "yookassa:{paymentId}" for a top-up, "promo:CODE"… */
  reference: string | null;
  reason: string | null;
}

export interface LedgerFilter {
  kind?: LedgerKind | null;
  service?: BillingService | null;
  /** ISO 8601 instants. */
  from?: string | null;
  to?: string | null;
}

/** One day's spending on one service. */
export interface SpendRow {
  /** yyyy-MM-dd (UTC). */
  day: string;
  service: string;
  amount: string;
  count: number;
}

export interface Price {
  service: string;
  /** Null: the service's price for every model without its own. */
  model: string | null;
  price: string;
  unit: PriceUnit;
  effectiveFrom: string;
}

export interface PriceRequest {
  service: string;
  model?: string | null;
  price: string;
  /** Absent: from now. Never in the past. */
  effectiveFrom?: string | null;
}

export interface TopUp {
  paymentId: string;
  /** YooKassa's page where the payer pays. */
  confirmationUrl: string;
}

export interface PromoRedeemed {
  amount: string;
  balance: string;
}

export interface PromoCode {
  code: string;
  amount: string;
  maxUses: number;
  uses: number;
  expiresAt: string | null;
  createdAt: string;
}

export interface PromoCodeRequest {
  code: string;
  amount: string;
  maxUses: number;
  expiresAt: string | null;
}

const withSignal = (signal?: AbortSignal) => (signal ? { signal } : {});

export function getBalance(signal?: AbortSignal): Promise<Balance> {
  return api<Balance>("/api/balance", withSignal(signal));
}

export function setLimits(limits: Limits): Promise<Balance> {
  return api<Balance>("/api/balance/limits", { method: "PUT", body: limits });
}

function ledgerQuery(filter: LedgerFilter, extra: Record<string, string | number | null | undefined> = {}): string {
  return query({ kind: filter.kind, service: filter.service, from: filter.from, to: filter.to, ...extra });
}

/** Newest first; pass the page's `nextCursor` for the next (older) one. */
export function listTransactions(filter: LedgerFilter, cursor: string | null, signal?: AbortSignal, limit = 50): Promise<Page<LedgerEntry>> {
  return api<Page<LedgerEntry>>(`/api/balance/transactions${ledgerQuery(filter, { cursor, limit })}`, withSignal(signal));
}

/** The whole filtered ledger as CSV (the Bearer token is needed, so it is fetched, not linked). */
export async function downloadTransactionsCsv(filter: LedgerFilter, signal?: AbortSignal): Promise<Blob> {
  const response = await authorizedFetch(`/api/balance/transactions${ledgerQuery(filter, { format: "csv" })}`, {
    headers: { accept: "text/csv" },
    ...withSignal(signal),
  });
  if (!response.ok) throw await errorFromResponse(response);
  return await response.blob();
}

/** The last 30 days (UTC) by default. */
export function getSpend(signal?: AbortSignal): Promise<SpendRow[]> {
  return api<SpendRow[]>("/api/balance/spend", withSignal(signal));
}

export function getPrices(signal?: AbortSignal): Promise<Price[]> {
  return api<Price[]>("/api/balance/prices", withSignal(signal));
}

/** 201 with YooKassa's confirmation page; the same key returns the same payment. */
export function startTopUp(amount: string, idempotencyKey: string = uuid()): Promise<TopUp> {
  return api<TopUp>("/api/balance/topup", { method: "POST", body: { amount }, headers: { "idempotency-key": idempotencyKey } });
}

export function redeemPromo(code: string): Promise<PromoRedeemed> {
  return api<PromoRedeemed>("/api/balance/promo", { method: "POST", body: { code } });
}

/** Every price row, past and scheduled ones too (admins). */
export function listAllPrices(signal?: AbortSignal): Promise<Price[]> {
  return api<Price[]>("/api/admin/prices", withSignal(signal));
}

export function setPrice(request: PriceRequest): Promise<Price> {
  return api<Price>("/api/admin/prices", { method: "PUT", body: request });
}

export function listPromoCodes(signal?: AbortSignal): Promise<PromoCode[]> {
  return api<PromoCode[]>("/api/admin/promo-codes", withSignal(signal));
}

export function createPromoCode(request: PromoCodeRequest): Promise<PromoCode> {
  return api<PromoCode>("/api/admin/promo-codes", { method: "POST", body: request });
}
