// The admins' feed (/api/admin/events): every bot's status change, platform-wide. `onEvent` gets each event
// but the connection's own ("ready", "resync"), which only say that the stream is (again) open.

import { useEffect, useRef, useState } from "react";
import type { ApiError } from "../api/errors";
import { openStream, type StreamState } from "../api/sse";

export interface AdminFeedState {
  state: StreamState;
  error: ApiError | undefined;
}

export function useAdminFeed(onEvent: (type: string, data: unknown) => void, onOpen?: () => void): AdminFeedState {
  const [feed, setFeed] = useState<AdminFeedState>({ state: "connecting", error: undefined });
  const latest = useRef({ onEvent, onOpen });
  useEffect(() => {
    latest.current = { onEvent, onOpen };
  });
  useEffect(
    () =>
      openStream("/api/admin/events", {
        onState: (state, error) => setFeed({ state, error }),
        onEvent: (type, data) => {
          if (type === "ready" || type === "resync") latest.current.onOpen?.();
          else latest.current.onEvent(type, data);
        },
      }),
    [],
  );
  return feed;
}
