import { queryOptions, type QueryClient } from "@tanstack/react-query";
import { listBots, type Bot } from "../api/channels";

export const botKeys = {
  all: ["bots"] as const,
};

/** The list is read again this often, whatever the feed says (the counters move without events). */
export const botsPollMs = 10_000;

export const botsOptions = queryOptions({
  queryKey: botKeys.all,
  queryFn: ({ signal }) => listBots(signal),
  refetchInterval: botsPollMs,
});

/** Puts the server's copy of a bot into the list (added when new). */
export function storeBot(client: QueryClient, bot: Bot): void {
  client.setQueryData<Bot[]>(botKeys.all, (list) => {
    if (!list) return list;
    return list.some((b) => b.id === bot.id) ? list.map((b) => (b.id === bot.id ? bot : b)) : [...list, bot];
  });
}

export function removeBot(client: QueryClient, id: string): void {
  client.setQueryData<Bot[]>(botKeys.all, (list) => list?.filter((b) => b.id !== id));
}
