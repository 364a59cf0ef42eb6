// TanStack Query keys and options for the admin panel.

import { infiniteQueryOptions, keepPreviousData, queryOptions } from "@tanstack/react-query";
import { getAccountUsage, getAiUsage, getCluster, getOverview, listAiTokens, listAudit, listBots, listUsers, type AuditFilter, type DayRange } from "./api";

export const adminKeys = {
  all: ["admin"] as const,
  overview: (range: DayRange) => ["admin", "overview", range] as const,
  users: ["admin", "users"] as const,
  userList: (q: string) => ["admin", "users", q] as const,
  usage: (accountId: string, range: DayRange) => ["admin", "usage", accountId, range] as const,
  aiTokens: ["admin", "ai-tokens"] as const,
  aiUsage: (range: DayRange, key: string | null) => ["admin", "ai-usage", range, key] as const,
  bots: ["admin", "bots"] as const,
  cluster: ["admin", "cluster"] as const,
  audit: (filter: AuditFilter) => ["admin", "audit", filter] as const,
};

export const aiTokensPollMs = 5_000;
export const botsPollMs = 5_000;
export const clusterPollMs = 2_000;

export function overviewOptions(range: DayRange) {
  return queryOptions({ queryKey: adminKeys.overview(range), queryFn: ({ signal }) => getOverview(range, signal), placeholderData: keepPreviousData });
}

export function usersOptions(q: string) {
  return infiniteQueryOptions({
    queryKey: adminKeys.userList(q),
    queryFn: ({ signal, pageParam }) => listUsers(q, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    // The table stays while the next search runs.
    placeholderData: keepPreviousData,
  });
}

export function usageOptions(accountId: string, range: DayRange) {
  return queryOptions({ queryKey: adminKeys.usage(accountId, range), queryFn: ({ signal }) => getAccountUsage(accountId, range, signal), placeholderData: keepPreviousData });
}

export const aiTokensOptions = queryOptions({
  queryKey: adminKeys.aiTokens,
  queryFn: ({ signal }) => listAiTokens(signal),
  refetchInterval: aiTokensPollMs,
});

export function aiUsageOptions(range: DayRange, key: string | null) {
  return queryOptions({ queryKey: adminKeys.aiUsage(range, key), queryFn: ({ signal }) => getAiUsage(range, key, signal), placeholderData: keepPreviousData });
}

export const botsOptions = infiniteQueryOptions({
  queryKey: adminKeys.bots,
  queryFn: ({ signal, pageParam }) => listBots(pageParam, signal),
  initialPageParam: null as string | null,
  getNextPageParam: (page) => page.nextCursor,
  refetchInterval: botsPollMs,
});

export const clusterOptions = queryOptions({
  queryKey: adminKeys.cluster,
  queryFn: ({ signal }) => getCluster(signal),
  refetchInterval: clusterPollMs,
  // A 503 is worth showing at once; the next poll tries again anyway.
  retry: false,
});

export function auditOptions(filter: AuditFilter) {
  return infiniteQueryOptions({
    queryKey: adminKeys.audit(filter),
    queryFn: ({ signal, pageParam }) => listAudit(filter, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
  });
}
