// Money as the API sends it: decimal strings in roubles with up to 6 decimals ("10.000000", "-0.001500").
// Shown in the user's language with kopecks, and with more decimals only where an amount has them, so that a
// price of 0.001 ₽ stays readable ("0,001 ₽", "₽0.001").

import { currentLanguage } from "../i18n";

/** Decimals an amount needs beyond the kopecks (2 to 6). */
function decimalsOf(text: string): number {
  const fraction = /\.(\d+)$/.exec(text.trim())?.[1]?.replace(/0+$/, "") ?? "";
  return Math.min(6, Math.max(2, fraction.length));
}

export function formatMoney(amount: string | null | undefined, currency = "RUB"): string {
  if (amount === null || amount === undefined || amount.trim() === "") return "—";
  const value = Number(amount);
  if (!Number.isFinite(value)) return amount;
  const digits = decimalsOf(amount);
  return new Intl.NumberFormat(currentLanguage(), {
    style: "currency",
    currency,
    currencyDisplay: "narrowSymbol",
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
}

/** With a sign also for credits ("+500,00 ₽"), for the ledger's amounts. */
export function formatSignedMoney(amount: string, currency = "RUB"): string {
  const text = formatMoney(amount, currency);
  return Number(amount) > 0 ? `+${text}` : text;
}

/**
 * What the user typed as an amount in roubles, as the API takes it ("1 500,5" → "1500.5"), or null when it is
 * not a non-negative amount with at most `decimals` decimals.
 */
export function parseAmount(text: string, decimals = 6): string | null {
  const normalized = text.replace(/[\s\u00a0\u202f]/g, "").replace(",", ".").replace(/₽$/, "");
  const pattern = new RegExp(`^\\d+(\\.\\d{1,${decimals}})?$`);
  return pattern.test(normalized) ? normalized : null;
}

/** An amount from the API as an input's starting text ("10.000000" → "10", "0.500000" → "0.5"). */
export function amountInput(amount: string | null | undefined): string {
  if (!amount) return "";
  return amount.includes(".") ? amount.replace(/0+$/, "").replace(/\.$/, "") : amount;
}

/** Compares two API amounts; they have at most 6 decimals, so micro-roubles as integers are exact. */
export function toMicro(amount: string): number {
  return Math.round(Number(amount) * 1_000_000);
}
