// A top-up on its way through YooKassa. The payer leaves for YooKassa's page and comes back to the configured
// return URL (Billing:YooKassa:ReturnUrl, the balance page), which carries no payment id: what was started is
// kept in this tab's sessionStorage, so that the balance page can tell a return and wait for the credit.

export interface PendingTopUp {
  paymentId: string;
  /** Roubles, as sent to the API. */
  amount: string;
  /** The balance before the top-up, as the API sent it. */
  balanceBefore: string;
  startedAt: number;
}

const storageKey = "replyx.pendingTopUp";
/** An older record is a payment abandoned long ago: not shown. */
const maxAgeMs = 24 * 60 * 60 * 1000;

export function readPendingTopUp(now: number = Date.now()): PendingTopUp | null {
  try {
    const text = sessionStorage.getItem(storageKey);
    if (!text) return null;
    const value = JSON.parse(text) as Partial<PendingTopUp>;
    if (typeof value.paymentId !== "string" || typeof value.amount !== "string" || typeof value.balanceBefore !== "string"
      || typeof value.startedAt !== "number" || now - value.startedAt > maxAgeMs) {
      sessionStorage.removeItem(storageKey);
      return null;
    }
    return value as PendingTopUp;
  } catch {
    return null;
  }
}

export function savePendingTopUp(pending: PendingTopUp): void {
  try {
    sessionStorage.setItem(storageKey, JSON.stringify(pending));
  } catch {
    // No storage (private mode): the return is not recognised, the balance still updates on the next visit.
  }
}

export function clearPendingTopUp(): void {
  try {
    sessionStorage.removeItem(storageKey);
  } catch {
    // Nothing stored.
  }
}

/** The ledger's reference of a YooKassa top-up. */
export function topUpReference(paymentId: string): string {
  return `yookassa:${paymentId}`;
}
