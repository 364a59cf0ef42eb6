// One dialog's live stream (/api/dialogs/{id}/events): new messages go into the transcript cache,
// `typing` carries the AI's answer as it is written, status changes go into the dialog's summary.

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { ApiError } from "../api/errors";
import { openStream, type StreamState } from "../api/sse";
import type { DialogStateEvent, Message, Note, TypingEvent } from "../api/types";
import { dialogKeys, patchDialog, upsertMessage, upsertNote } from "./queries";

function isMessage(data: unknown): data is Message {
  return typeof data === "object" && data !== null && typeof (data as { seq?: unknown }).seq === "number";
}

function isNote(data: unknown): data is Note {
  return typeof data === "object" && data !== null && typeof (data as { id?: unknown }).id === "string" && typeof (data as { text?: unknown }).text === "string";
}

function isState(data: unknown): data is DialogStateEvent {
  return typeof data === "object" && data !== null && typeof (data as { status?: unknown }).status === "string";
}

export interface DialogStream {
  state: StreamState;
  error: ApiError | undefined;
  /** The AI's answer so far while it is writing, else null. */
  partial: string | null;
}

/** Keyed by dialog: the pane that uses it is remounted for another dialog, which resets this state. */
export function useDialogStream(dialogId: string): DialogStream {
  const client = useQueryClient();
  const [stream, setStream] = useState<DialogStream>({ state: "connecting", error: undefined, partial: null });

  useEffect(() => {
    const close = openStream(`/api/dialogs/${encodeURIComponent(dialogId)}/events`, {
      onState: (state, error) => setStream((s) => ({ ...s, state, error, partial: state === "open" ? s.partial : null })),
      onEvent: (type, data) => {
        switch (type) {
          case "ready":
            // Subscribed: refetch once, so nothing said between the first load (or a lost connection) and
            // this moment is missing; live events from here on are merged by seq.
            void client.invalidateQueries({ queryKey: dialogKeys.detail(dialogId) });
            break;
          case "message":
            if (isMessage(data)) {
              upsertMessage(client, dialogId, data);
              if (data.author === "assistant") setStream((s) => ({ ...s, partial: null }));
            }
            break;
          case "typing": {
            const partial = (data as Partial<TypingEvent> | null)?.partial;
            setStream((s) => ({ ...s, partial: typeof partial === "string" ? partial : null }));
            break;
          }
          case "note":
            if (isNote(data)) upsertNote(client, dialogId, data);
            break;
          case "dialog.status":
          case "dialog.assigned":
            if (isState(data)) {
              // The lists hear of it from the account feed, which refetches them.
              patchDialog(client, dialogId, (dialog) => ({ ...dialog, status: data.status, operatorId: data.operatorId }));
            }
            break;
          default:
            break;
        }
      },
    });
    return close;
  }, [client, dialogId]);

  return stream;
}
