// TanStack Query keys and options for the owner's pages (settings, operators, usage) and the first-run guide,
// whose steps are read from the API: assistants, their documents, bots, widget origins, usage and dialogs.

import { queryOptions, useQueries, useQuery } from "@tanstack/react-query";
import { allowedOrigins, getAccount, getSpendRange, getUsage, hasAnyDialog, listBots } from "../api/account";
import { accountUsersOptions } from "../desk/queries";
import { assistantsOptions, documentsOptions } from "../knowledge/queries";
import { documentsPath } from "../router";

export const ownerKeys = {
  account: ["account"] as const,
  usage: (from: string, to: string) => ["account", "usage", from, to] as const,
  spend: (from: string, to: string) => ["billing", "spend", from, to] as const,
  bots: ["bots", "list"] as const,
  anyDialog: ["dialogs", "any"] as const,
};

export { accountUsersOptions };

export const accountOptions = queryOptions({
  queryKey: ownerKeys.account,
  queryFn: ({ signal }) => getAccount(signal),
});

export function usageOptions(from: string, to: string) {
  return queryOptions({
    queryKey: ownerKeys.usage(from, to),
    queryFn: ({ signal }) => getUsage(from, to, signal),
  });
}

export function spendRangeOptions(from: string, to: string) {
  return queryOptions({
    queryKey: ownerKeys.spend(from, to),
    queryFn: ({ signal }) => getSpendRange(from, to, signal),
  });
}

export const botsOptions = queryOptions({
  queryKey: ownerKeys.bots,
  queryFn: ({ signal }) => listBots(signal),
});

export const anyDialogOptions = queryOptions({
  queryKey: ownerKeys.anyDialog,
  queryFn: ({ signal }) => hasAnyDialog(signal),
});

/** A UTC day (yyyy-MM-dd), `back` days before today. */
export function utcDay(back = 0, today: Date = new Date()): string {
  const start = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return new Date(start - back * 86_400_000).toISOString().slice(0, 10);
}

/** Every UTC day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const first = Date.parse(`${from}T00:00:00Z`);
  const last = Date.parse(`${to}T00:00:00Z`);
  const days: string[] = [];
  for (let at = first; at <= last && days.length <= 400; at += 86_400_000) days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

export type GuideStepKey = "assistant" | "document" | "channel" | "test";

export interface GuideStep {
  key: GuideStepKey;
  done: boolean;
  /** The page that does this step. */
  href: string;
}

export interface GuideProgress {
  /** Null while the first answers are on their way. */
  steps: GuideStep[] | null;
  done: number;
  finished: boolean;
  /** The account has no assistant yet (known only once the list came). */
  noAssistant: boolean;
  /** Any request that failed. */
  errors: unknown[];
  refetch: () => void;
}

/** How often the guide's page reads its steps again (a bot connected or a question asked elsewhere). */
const livePollMs = 20_000;

/**
 * The first-run guide's four steps, each done or not by what the API says right now; `live` (the guide's own
 * page) reads them again now and then, the header only when they are stale.
 */
export function useGuideProgress(enabled = true, live = false): GuideProgress {
  const poll = live ? livePollMs : false;
  const assistants = useQuery({ ...assistantsOptions, enabled, refetchInterval: poll });
  const bots = useQuery({ ...botsOptions, enabled, refetchInterval: poll });
  const today = utcDay();
  const usage = useQuery({ ...usageOptions(today, today), enabled, refetchInterval: poll });
  const dialogs = useQuery({ ...anyDialogOptions, enabled, refetchInterval: poll });
  const list = assistants.data ?? [];
  const documents = useQueries({
    queries: list.map((a) => ({ ...documentsOptions(a.id, false), enabled })),
  });

  const errors = [assistants.error, bots.error, usage.error, dialogs.error, ...documents.map((d) => d.error)].filter((e) => e !== null);
  const refetch = () => {
    void assistants.refetch();
    void bots.refetch();
    void usage.refetch();
    void dialogs.refetch();
    for (const d of documents) void d.refetch();
  };
  const first = list[0];
  const assistantHref = first ? documentsPath(first.id) : "/assistants";
  const known = assistants.data !== undefined && (list.length === 0 || documents.every((d) => d.data !== undefined || d.error !== null));
  if (!known || (bots.data === undefined && bots.error === null) || (usage.data === undefined && usage.error === null) || (dialogs.data === undefined && dialogs.error === null)) {
    return { steps: null, done: 0, finished: false, noAssistant: assistants.data?.length === 0, errors, refetch };
  }
  const usedToday = (usage.data?.days ?? []).some(
    (d) => d.customerMessages + d.aiReplies + d.operatorMessages + d.promptTokens + d.completionTokens + d.newDialogs > 0 || Number(d.spend) !== 0,
  );
  const steps: GuideStep[] = [
    { key: "assistant", done: list.length > 0, href: "/assistants" },
    { key: "document", done: documents.some((d) => (d.data ?? []).some((doc) => doc.status === "ready")), href: assistantHref },
    { key: "channel", done: (bots.data ?? []).length > 0 || list.some((a) => allowedOrigins(a).length > 0), href: "/bots" },
    { key: "test", done: usedToday || dialogs.data === true, href: assistantHref },
  ];
  const done = steps.filter((s) => s.done).length;
  return { steps, done, finished: done === steps.length, noAssistant: list.length === 0, errors, refetch };
}
