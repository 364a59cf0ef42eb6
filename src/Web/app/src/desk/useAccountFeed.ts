// The account feed (/api/events) keeps the desk's lists live: statuses and previews are edited in place,
// lists whose membership may have changed are refetched (debounced), and a dialog that starts waiting for
// a human raises the handoff alert.

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { ApiError } from "../api/errors";
import { openStream, type StreamState } from "../api/sse";
import type { AccountDialogEvent } from "../api/types";
import { alertHandoff } from "./alerts";
import { notify } from "../notify";
import { dialogKeys, findDialog, patchDialog } from "./queries";

function isDialogEvent(data: unknown): data is AccountDialogEvent {
  return typeof data === "object" && data !== null && typeof (data as { dialogId?: unknown }).dialogId === "string";
}

/** The account feed's events about one dialog; others (newer kinds) are left alone. */
const feedEvents = new Set(["dialog.opened", "dialog.preview", "dialog.status", "dialog.assigned"]);

export interface FeedState {
  state: StreamState;
  error: ApiError | undefined;
}

export function useAccountFeed(openDialog: (id: string) => void, enabled: boolean): FeedState {
  const client = useQueryClient();
  const { t } = useTranslation();
  const [feed, setFeed] = useState<FeedState>({ state: "connecting", error: undefined });
  // The latest callbacks, without reopening the stream when they change.
  const latest = useRef({ openDialog, t });
  useEffect(() => {
    latest.current = { openDialog, t };
  });

  useEffect(() => {
    if (!enabled) return;
    let timer: number | undefined;
    const refreshLists = (delay: number) => {
      if (timer !== undefined) return;
      timer = window.setTimeout(() => {
        timer = undefined;
        void client.invalidateQueries({ queryKey: dialogKeys.lists() });
      }, delay);
    };

    const close = openStream("/api/events", {
      onState: (state, error) => setFeed({ state, error }),
      onEvent: (type, data) => {
        if (type === "ready" || type === "resync") {
          // (Re)connected: whatever happened while away is in the lists after one refetch.
          refreshLists(100);
          return;
        }
        if (!feedEvents.has(type) || !isDialogEvent(data)) return;
        const { dialogId, status, operatorId, lastMessage } = data;
        const preview = type === "dialog.preview" || type === "dialog.opened";
        const known = patchDialog(client, dialogId, (dialog) => ({
          ...dialog,
          status,
          // A preview is about the message: where it names no operator, the one who has the dialog keeps it.
          operatorId: preview && operatorId === null && status === dialog.status ? dialog.operatorId : operatorId,
          lastMessage: lastMessage ?? dialog.lastMessage,
          updatedAt: lastMessage?.at ?? dialog.updatedAt,
        }));
        if (type === "dialog.preview") {
          refreshLists(known ? 3_000 : 500);
        } else {
          refreshLists(300);
        }
        if (type === "dialog.status" && status === "waiting") {
          const { t: translate, openDialog: open } = latest.current;
          const body = (lastMessage ?? findDialog(client, dialogId)?.lastMessage)?.text ?? translate("alerts.handoffBody");
          alertHandoff({ title: translate("alerts.handoffTitle"), body, tag: `handoff-${dialogId}`, onClick: () => open(dialogId) });
          notify({
            id: `handoff-${dialogId}`,
            color: "orange",
            title: translate("alerts.handoffTitle"),
            message: body.length > 140 ? `${body.slice(0, 140)}…` : body,
            autoClose: 8_000,
            onClick: () => open(dialogId),
            className: "rx-clickable",
          });
        }
      },
    });
    return () => {
      window.clearTimeout(timer);
      close();
    };
  }, [client, enabled]);

  return feed;
}
