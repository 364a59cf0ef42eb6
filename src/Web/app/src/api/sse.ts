// Server-sent events that need the Bearer header (EventSource cannot send one): @microsoft/fetch-event-source
// over a fetch that adds the current token, refreshes it on a 401, resumes with Last-Event-ID, notices a
// silent connection (the server sends `: ping` every 15 s) and reconnects with a growing backoff.

import { fetchEventSource, type EventSourceMessage } from "@microsoft/fetch-event-source";
import { ApiError, errorFromResponse } from "./errors";
import { accessToken, hasFreshToken, refreshSession } from "./session";

export type StreamState = "connecting" | "open" | "reconnecting" | "failed";

export interface StreamHandlers {
  onEvent: (type: string, data: unknown) => void;
  onState?: (state: StreamState, error?: ApiError) => void;
}

/** No byte for this long (three missed pings) means the connection is dead. */
const silenceMs = 45_000;
const maxBackoffMs = 30_000;

class FatalStreamError extends Error {
  readonly apiError: ApiError;
  constructor(apiError: ApiError) {
    super(apiError.message);
    this.apiError = apiError;
  }
}

class RetriableStreamError extends Error {}

/** AbortSignal.any where the browser has it, else a signal aborted by whichever comes first. */
function anySignal(signals: AbortSignal[]): AbortSignal {
  if (typeof AbortSignal.any === "function") return AbortSignal.any(signals);
  const combined = new AbortController();
  for (const signal of signals) {
    if (signal.aborted) combined.abort();
    else signal.addEventListener("abort", () => combined.abort(), { once: true });
  }
  return combined.signal;
}

/** Watches a response body: every chunk re-arms the timer, silence aborts the read. */
function watchBody(response: Response, onSilence: () => void): Response {
  if (!response.body) return response;
  let timer = window.setTimeout(onSilence, silenceMs);
  const watched = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        window.clearTimeout(timer);
        timer = window.setTimeout(onSilence, silenceMs);
        controller.enqueue(chunk);
      },
      flush() {
        window.clearTimeout(timer);
      },
    }),
  );
  return new Response(watched, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** Opens a stream and keeps it open until the returned function is called. */
export function openStream(path: string, handlers: StreamHandlers): () => void {
  const stop = new AbortController();
  let lastEventId: string | null = null;
  let attempt = 0;

  const streamFetch: typeof fetch = async (input, init) => {
    if (!hasFreshToken()) await refreshSession().catch(() => false);
    const silence = new AbortController();
    const signals = [silence.signal, ...(init?.signal ? [init.signal] : [])];
    const request = (): Promise<Response> => {
      const headers: Record<string, string> = { accept: "text/event-stream" };
      const token = accessToken();
      if (token) headers.authorization = `Bearer ${token}`;
      if (lastEventId !== null) headers["last-event-id"] = lastEventId;
      return fetch(input, { ...init, headers, cache: "no-store", signal: anySignal(signals) });
    };
    let response = await request();
    if (response.status === 401 && (await refreshSession().catch(() => false))) response = await request();
    return watchBody(response, () => silence.abort());
  };

  handlers.onState?.("connecting");
  void fetchEventSource(path, {
    signal: stop.signal,
    openWhenHidden: true,
    fetch: streamFetch,
    onopen(response) {
      const type = response.headers.get("content-type") ?? "";
      if (response.ok && type.startsWith("text/event-stream")) {
        attempt = 0;
        handlers.onState?.("open");
        return Promise.resolve();
      }
      return errorFromResponse(response).then((error) => {
        // Client errors will not heal by retrying (gone, forbidden, signed out); the rest may.
        if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
          throw new FatalStreamError(error);
        }
        throw new RetriableStreamError(error.message);
      });
    },
    onmessage(message: EventSourceMessage) {
      if (message.id) lastEventId = message.id;
      let data: unknown = null;
      if (message.data) {
        try {
          data = JSON.parse(message.data);
        } catch {
          data = message.data;
        }
      }
      handlers.onEvent(message.event || "message", data);
    },
    onclose() {
      // The server ended the stream (a deploy, a restart): reconnect and resume.
      throw new RetriableStreamError("stream closed");
    },
    onerror(error: unknown) {
      if (error instanceof FatalStreamError) {
        handlers.onState?.("failed", error.apiError);
        throw error;
      }
      attempt += 1;
      handlers.onState?.("reconnecting");
      const base = Math.min(maxBackoffMs, 1_000 * 2 ** Math.min(attempt - 1, 5));
      return base / 2 + Math.random() * (base / 2);
    },
  }).catch(() => {
    // A fatal error: already reported through onState("failed").
  });

  return () => stop.abort();
}
