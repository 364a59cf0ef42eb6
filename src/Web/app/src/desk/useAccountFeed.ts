// The account feed (/api/events) keeps the desk's lists live: statuses and previews are edited in place,
// lists whose membership may have changed are refetched (debounced), and so is the desk (queue offers, who
// is online). A dialog offered to this operator raises the alert; so does any handoff for someone who gets
// no offers (an owner not taking dialogs, a server without the desk).

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { ApiError } from "../api/errors";
import { openStream, type StreamState } from "../api/sse";
import type { AccountDialogEvent, DeskView } from "../api/types";
import { alertHandoff } from "./alerts";
import { deskKey, dialogKeys, findDialog, patchDialog, recordOffer } from "./queries";
import { notify } from "../notify";

function isDialogEvent(data: unknown): data is AccountDialogEvent {
  return typeof data === "object" && data !== null && typeof (data as { dialogId?: unknown }).dialogId === "string";
}

/** The account feed's events about one dialog; others (newer kinds) are left alone. */
const feedEvents = new Set(["dialog.opened", "dialog.preview", "dialog.status", "dialog.assigned"]);

export interface FeedState {
  state: StreamState;
  error: ApiError | undefined;
}

/**
 * @param me the signed-in user: offers to them ring the alert
 * @param available open the feed as online for offers (`?available=true`; operators are online anyway)
 */
export function useAccountFeed(openDialog: (id: string) => void, enabled: boolean, me: string, available: boolean): FeedState {
  const client = useQueryClient();
  const { t } = useTranslation();
  const [feed, setFeed] = useState<FeedState>({ state: "connecting", error: undefined });
  // The latest callbacks, without reopening the stream when they change.
  const latest = useRef({ openDialog, t, me });
  useEffect(() => {
    latest.current = { openDialog, t, me };
  });

  useEffect(() => {
    if (!enabled) return;
    let timer: number | undefined;
    let deskTimer: number | undefined;
    const refreshLists = (delay: number) => {
      if (timer !== undefined) return;
      timer = window.setTimeout(() => {
        timer = undefined;
        void client.invalidateQueries({ queryKey: dialogKeys.lists() });
      }, delay);
    };
    const refreshDesk = (delay: number) => {
      if (deskTimer !== undefined) return;
      deskTimer = window.setTimeout(() => {
        deskTimer = undefined;
        void client.invalidateQueries({ queryKey: deskKey });
      }, delay);
    };
    const alert = (dialogId: string, lastText: string | undefined, offered: boolean) => {
      const { t: translate, openDialog: open } = latest.current;
      const title = translate(offered ? "alerts.offerTitle" : "alerts.handoffTitle");
      const body = (lastText ?? findDialog(client, dialogId)?.lastMessage?.text) ?? translate("alerts.handoffBody");
      // One alert per dialog: an offer that follows its handoff replaces the handoff's notification.
      alertHandoff({ title, body, tag: `handoff-${dialogId}`, onClick: () => open(dialogId) });
      const notification = {
        id: `handoff-${dialogId}`,
        color: offered ? "blue" : "orange",
        title,
        message: body.length > 140 ? `${body.slice(0, 140)}…` : body,
        autoClose: 8_000,
        onClick: () => open(dialogId),
        className: "rx-clickable",
      };
      notify(notification);
    };

    const close = openStream(available ? "/api/events?available=true" : "/api/events", {
      onState: (state, error) => setFeed({ state, error }),
      onEvent: (type, data) => {
        if (type === "ready" || type === "resync") {
          // (Re)connected: whatever happened while away is in the lists after one refetch.
          refreshLists(100);
          refreshDesk(100);
          return;
        }
        if (type === "dialog.offered" && isDialogEvent(data)) {
          // The operatorId of an offer is whom it is offered to, not who has the dialog: the lists keep theirs.
          recordOffer(client, data.dialogId, data.operatorId, new Date().toISOString());
          refreshLists(300);
          refreshDesk(500);
          if (data.operatorId !== null && data.operatorId === latest.current.me) alert(data.dialogId, data.lastMessage?.text, true);
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
          // Queue membership and operators' loads change with statuses and assignments.
          refreshDesk(500);
        }
        if (type === "dialog.status" && status === "waiting") {
          // Where the desk offers dialogs to the online operators, the one it offers this to is alerted (above).
          // Anyone it would never offer to (not online, no desk on the server) hears of every handoff, and so
          // does everyone when no one online has room for another dialog (nobody will be offered it).
          const desk = client.getQueryData<DeskView | null>(deskKey);
          const online = desk?.online ?? [];
          const getsOffers = online.some((o) => o.operatorId === latest.current.me) && online.some((o) => o.dialogs < o.limit);
          if (!getsOffers) alert(dialogId, lastMessage?.text, false);
        }
      },
    });
    return () => {
      window.clearTimeout(timer);
      window.clearTimeout(deskTimer);
      close();
    };
  }, [client, enabled, available]);

  return feed;
}
