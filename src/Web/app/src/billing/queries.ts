// TanStack Query keys and options for the balance pages and the admins' billing pages.

import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import {
  getBalance,
  getPrices,
  getSpend,
  listAllPrices,
  listPromoCodes,
  listTransactions,
  type LedgerFilter,
} from "../api/billing";

export const billingKeys = {
  all: ["billing"] as const,
  balance: ["billing", "balance"] as const,
  transactions: (filter: LedgerFilter) => ["billing", "transactions", filter] as const,
  spend: ["billing", "spend"] as const,
  prices: ["billing", "prices"] as const,
  adminPrices: ["admin", "prices"] as const,
  promoCodes: ["admin", "promo-codes"] as const,
};

export const balanceOptions = queryOptions({
  queryKey: billingKeys.balance,
  queryFn: ({ signal }) => getBalance(signal),
});

export const transactionsPageSize = 50;

export function transactionsOptions(filter: LedgerFilter) {
  return infiniteQueryOptions({
    queryKey: billingKeys.transactions(filter),
    queryFn: ({ signal, pageParam }) => listTransactions(filter, pageParam, signal, transactionsPageSize),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
  });
}

export const spendOptions = queryOptions({
  queryKey: billingKeys.spend,
  queryFn: ({ signal }) => getSpend(signal),
});

export const pricesOptions = queryOptions({
  queryKey: billingKeys.prices,
  queryFn: ({ signal }) => getPrices(signal),
  staleTime: 60_000,
});

export const adminPricesOptions = queryOptions({
  queryKey: billingKeys.adminPrices,
  queryFn: ({ signal }) => listAllPrices(signal),
});

export const promoCodesOptions = queryOptions({
  queryKey: billingKeys.promoCodes,
  queryFn: ({ signal }) => listPromoCodes(signal),
});
