// The account feed (/api/events) on the bots page: a `bot.status` event puts the new status and error into
// the list at once and reads the list again (the counters moved too). Opened without ?available, so an owner
// looking at their bots is not online for the desk's offers.

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { Bot, BotStatusEvent } from "../api/channels";
import { openStream } from "../api/sse";
import type { FeedState } from "../desk/useAccountFeed";
import { botKeys } from "./queries";

function isBotEvent(data: unknown): data is BotStatusEvent {
  if (typeof data !== "object" || data === null) return false;
  const e = data as Partial<Record<keyof BotStatusEvent, unknown>>;
  return typeof e.botId === "string" && typeof e.status === "string";
}

export function useBotFeed(): FeedState {
  const client = useQueryClient();
  const [feed, setFeed] = useState<FeedState>({ state: "connecting", error: undefined });

  useEffect(() => {
    let timer: number | undefined;
    const refetch = (delay: number) => {
      if (timer !== undefined) return;
      timer = window.setTimeout(() => {
        timer = undefined;
        void client.invalidateQueries({ queryKey: botKeys.all });
      }, delay);
    };
    const close = openStream("/api/events", {
      onState: (state, error) => setFeed({ state, error }),
      onEvent: (type, data) => {
        if (type === "ready" || type === "resync") {
          refetch(100);
          return;
        }
        if (type !== "bot.status") return;
        if (isBotEvent(data)) {
          client.setQueryData<Bot[]>(botKeys.all, (list) =>
            list?.map((bot) =>
              bot.id === data.botId ? { ...bot, status: data.status, lastError: typeof data.error === "string" ? data.error : bot.lastError } : bot,
            ),
          );
        }
        refetch(300);
      },
    });
    return () => {
      window.clearTimeout(timer);
      close();
    };
  }, [client]);

  return feed;
}
