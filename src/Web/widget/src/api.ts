// The widget's calls to its own ReplyX server (the origin it was loaded from), across origins: no cookies,
// the visitor's session token as a Bearer header.

export type Author = "user" | "assistant" | "operator" | "system";
export type Status = "ai" | "waiting" | "operator" | "closed";

export interface Message {
  seq: number;
  at: string;
  author: Author;
  text: string;
  operatorId: string | null;
}

export interface WidgetConfig {
  title: string;
  greeting: string | null;
  color: string | null;
  position: "right" | "left";
  language?: string | null;
}

export interface Session {
  dialogId: string;
  sessionToken: string;
}

export interface History {
  items: Message[];
  status?: Status;
}

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, title: string) {
    super(title);
    this.status = status;
  }
}

async function fail(response: Response): Promise<HttpError> {
  let title = `${response.status} ${response.statusText}`.trim();
  try {
    const body = (await response.json()) as { title?: unknown; detail?: unknown };
    if (typeof body.title === "string") title = typeof body.detail === "string" ? `${body.title} ${body.detail}` : body.title;
  } catch {
    // Not problem+json: the status line is all there is.
  }
  return new HttpError(response.status, title);
}

export function uuid(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export class WidgetApi {
  readonly base: string;
  readonly assistantId: string;

  constructor(base: string, assistantId: string) {
    this.base = base;
    this.assistantId = assistantId;
  }

  private async call<T>(path: string, init: RequestInit & { token?: string } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    const response = await fetch(this.base + path, {
      ...init,
      headers: { ...headers, ...(init.headers as Record<string, string> | undefined) },
      credentials: "omit",
      mode: "cors",
    });
    if (!response.ok) throw await fail(response);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  config(): Promise<WidgetConfig> {
    return this.call(`/api/widget/${encodeURIComponent(this.assistantId)}/config`);
  }

  openSession(): Promise<Session & { expiresAt: string }> {
    return this.call(`/api/widget/${encodeURIComponent(this.assistantId)}/sessions`, { method: "POST", body: "{}" });
  }

  history(session: Session): Promise<History> {
    return this.call(`/api/widget/dialogs/${encodeURIComponent(session.dialogId)}/messages`, { token: session.sessionToken });
  }

  send(session: Session, text: string, key: string): Promise<{ seq: number; duplicate: boolean }> {
    return this.call(`/api/widget/dialogs/${encodeURIComponent(session.dialogId)}/messages`, {
      method: "POST",
      body: JSON.stringify({ text }),
      token: session.sessionToken,
      headers: { "Idempotency-Key": key },
    });
  }

  handoff(session: Session): Promise<unknown> {
    return this.call(`/api/widget/dialogs/${encodeURIComponent(session.dialogId)}/handoff`, { method: "POST", body: "{}", token: session.sessionToken });
  }

  rate(session: Session, score: number, comment: string): Promise<void> {
    return this.call(`/api/widget/dialogs/${encodeURIComponent(session.dialogId)}/rating`, {
      method: "POST",
      body: JSON.stringify({ score, comment: comment || null }),
      token: session.sessionToken,
    });
  }

  /**
   * The live stream. `lastSeq` (the newest message seq the widget has) asks the server to replay what came
   * after it, as the Last-Event-ID header does on the browser's own reconnects: a new EventSource (a page
   * load, a reconnect after the browser gave up) cannot send that header.
   */
  eventsUrl(session: Session, lastSeq?: number): string {
    const resume = lastSeq !== undefined && lastSeq > 0 ? `&lastEventId=${lastSeq}` : "";
    return `${this.base}/api/widget/dialogs/${encodeURIComponent(session.dialogId)}/events?token=${encodeURIComponent(session.sessionToken)}${resume}`;
  }
}
