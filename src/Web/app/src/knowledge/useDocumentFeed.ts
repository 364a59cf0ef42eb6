// The account feed (/api/events, the stream the desk keeps its lists live with) on the documents page: its
// `document.status` events move the documents' progress. Opened without ?available, so an owner reading
// their documents is not online for the desk's offers.

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { openStream } from "../api/sse";
import type { DocumentStatusEvent } from "../api/types";
import type { FeedState } from "../desk/useAccountFeed";
import { applyDocumentEvent, knowledgeKeys } from "./queries";

/** The event as it may arrive: the assistant's id is what tells this page's documents from the others'. */
type FeedDocumentEvent = Omit<DocumentStatusEvent, "assistantId"> & { assistantId?: unknown };

function isDocumentEvent(data: unknown): data is FeedDocumentEvent {
  if (typeof data !== "object" || data === null) return false;
  const e = data as Partial<Record<keyof DocumentStatusEvent, unknown>>;
  return typeof e.documentId === "string" && typeof e.status === "string" && typeof e.chunksDone === "number" && typeof e.chunksTotal === "number";
}

export function useDocumentFeed(assistantId: string): FeedState {
  const client = useQueryClient();
  const [feed, setFeed] = useState<FeedState>({ state: "connecting", error: undefined });

  useEffect(() => {
    let timer: number | undefined;
    const refetch = (delay: number) => {
      if (timer !== undefined) return;
      timer = window.setTimeout(() => {
        timer = undefined;
        void client.invalidateQueries({ queryKey: knowledgeKeys.documents(assistantId) });
      }, delay);
    };
    const close = openStream("/api/events", {
      onState: (state, error) => setFeed({ state, error }),
      onEvent: (type, data) => {
        if (type === "ready" || type === "resync") {
          // (Re)connected: whatever moved while away is in the list after one read.
          refetch(100);
          return;
        }
        if (type !== "document.status") return;
        if (!isDocumentEvent(data)) {
          // A shape this page does not know: the list itself says what changed.
          refetch(500);
          return;
        }
        if (typeof data.assistantId === "string" && data.assistantId !== assistantId) return;
        if (applyDocumentEvent(client, assistantId, { ...data, assistantId, error: typeof data.error === "string" ? data.error : null })) refetch(300);
      },
    });
    return () => {
      window.clearTimeout(timer);
      close();
    };
  }, [client, assistantId]);

  return feed;
}
