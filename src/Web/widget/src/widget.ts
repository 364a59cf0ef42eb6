// The chat widget: a launcher bubble and a chat window in a shadow root, talking to the ReplyX server it
// was loaded from. The visitor's session ({dialogId, sessionToken}) is kept per assistant in localStorage,
// so the conversation goes on across page loads; it is created on the first open, and again when the
// server no longer accepts it (401).

import { HttpError, WidgetApi, uuid, type Message, type Session, type Status, type WidgetConfig } from "./api";
import { contrastColor, h, icon, icons } from "./dom";
import { format, type Texts } from "./i18n";
import { chime, unlockAudio } from "./sound";
import css from "./widget.css?inline";

interface StoredSession extends Session {
  /** The newest seq the visitor has seen with the window open: what is newer counts as unread. */
  seen?: number;
  /** The dialog was rated (while closed); a new message reopens it and so clears this. */
  rated?: boolean;
}

interface Pending {
  text: string;
  key: string;
  element: HTMLLIElement;
}

const soundKey = "replyx.widget.sound";
const maxLength = 4000;
const offlineDelayMs = 1500;
const maxBackoffMs = 30_000;

function readJson(key: string): unknown {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as unknown) : null;
  } catch {
    return null;
  }
}

function writeJson(key: string, value: unknown): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // No storage (private mode, blocked): the session lasts for this page.
  }
}

function parse(event: Event): unknown {
  try {
    return JSON.parse((event as MessageEvent<string>).data) as unknown;
  } catch {
    return null;
  }
}

export class ChatWidget {
  private readonly api: WidgetApi;
  private readonly config: WidgetConfig;
  private readonly t: Texts;
  private readonly storageKey: string;

  private readonly host: HTMLElement;
  private readonly root: HTMLDivElement;
  private readonly launcher: HTMLButtonElement;
  private readonly badge: HTMLSpanElement;
  private readonly panel: HTMLDivElement;
  private readonly banner: HTMLDivElement;
  private readonly scroller: HTMLDivElement;
  private readonly log: HTMLOListElement;
  private readonly typing: HTMLDivElement;
  private readonly typingText: HTMLSpanElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly humanButton: HTMLButtonElement;
  private readonly soundButton: HTMLButtonElement;
  private readonly rating: HTMLFormElement;

  private session: StoredSession | null;
  private sessionPromise: Promise<StoredSession> | null = null;
  private readonly messages = new Map<number, { message: Message; element: HTMLLIElement }>();
  private readonly pending: Pending[] = [];
  private status: Status = "ai";
  private isOpen = false;
  private sound: boolean;
  private events: EventSource | null = null;
  private retries = 0;
  private reconnectTimer: number | undefined;
  private offlineTimer: number | undefined;
  private syncing: Promise<void> | null = null;
  /** After the first history: later changes (a sync after a reconnect included) are news to announce. */
  private loaded = false;

  constructor(api: WidgetApi, config: WidgetConfig, texts: Texts) {
    this.api = api;
    this.config = config;
    this.t = texts;
    this.storageKey = `replyx.widget.${api.assistantId}`;
    this.session = readJson(this.storageKey) as StoredSession | null;
    if (this.session && (typeof this.session.dialogId !== "string" || typeof this.session.sessionToken !== "string")) {
      this.session = null;
    }
    this.sound = readJson(soundKey) === true;

    const t = this.t;
    // A tag of our own, not a <div>: page rules for common tags ("div { border: … }") do not match it, and
    // the shadow sheet's ":host { all: initial !important }" resets whatever else would (a "*" rule).
    this.host = document.createElement("replyx-widget");
    this.host.setAttribute("data-replyx-widget", api.assistantId);
    const shadow = this.host.attachShadow({ mode: "open" });
    this.applyStyles(shadow);
    this.root = h("div", { class: "root", "data-position": config.position === "left" ? "left" : "right", "data-open": "false" });

    this.badge = h("span", { class: "badge", hidden: true, "data-testid": "replyx-unread", "aria-hidden": "true" });
    this.launcher = h(
      "button",
      { type: "button", class: "launcher", "aria-label": t.open, "aria-expanded": "false", "aria-controls": "replyx-panel", "data-testid": "replyx-launcher" },
      icon(...icons.chat),
      this.badge,
    );

    const titleId = "replyx-title";
    this.soundButton = h("button", { type: "button", class: "icon-button", "data-testid": "replyx-sound" });
    const closeButton = h("button", { type: "button", class: "icon-button", "aria-label": t.close, title: t.close, "data-testid": "replyx-close" }, icon(...icons.close));
    const header = h("div", { class: "header" }, h("h2", { class: "title", id: titleId }, config.title || t.title), this.soundButton, closeButton);

    this.banner = h("div", { class: "banner", role: "status", hidden: true, "data-testid": "replyx-offline" }, t.offline);

    // The messages are a list inside the live log (a log is not a list, so it may not hold the items itself).
    this.log = h("ol", { class: "log-list" });
    // Announced once as "typing"; the growing partial answer is not read out (the full answer is, in the log).
    this.typingText = h("span", { "aria-hidden": "true" });
    this.typing = h(
      "div",
      { class: "msg typing", hidden: true, "data-testid": "replyx-typing", role: "status" },
      h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")),
      h("span", { class: "visually-hidden" }, t.typing),
      " ",
      this.typingText,
    );
    const greeting = config.greeting ? h("div", { class: "msg greeting", "data-testid": "replyx-greeting" }, config.greeting) : null;
    // The scroller is the log; it takes the focus so that the keyboard can scroll it.
    this.scroller = h(
      "div",
      { class: "log", role: "log", "aria-live": "polite", "aria-label": config.title || t.title, tabindex: "0", "data-testid": "replyx-messages" },
      greeting,
      this.log,
      this.typing,
    );

    this.rating = this.buildRating();

    this.input = h("textarea", {
      class: "input",
      rows: "1",
      maxlength: String(maxLength),
      placeholder: t.placeholder,
      "aria-label": t.input,
      "data-testid": "replyx-input",
    });
    this.sendButton = h("button", { type: "submit", class: "primary", disabled: true, "data-testid": "replyx-send" }, t.send);
    this.humanButton = h("button", { type: "button", class: "link", "data-testid": "replyx-handoff" }, t.human);
    const form = h("form", { class: "footer" }, this.humanButton, h("div", { class: "row" }, this.input, this.sendButton));

    this.panel = h(
      "div",
      { class: "panel", id: "replyx-panel", role: "dialog", "aria-labelledby": titleId, hidden: true, "data-testid": "replyx-panel" },
      header,
      this.banner,
      this.scroller,
      this.rating,
      form,
    );
    this.root.append(this.panel, this.launcher);
    shadow.append(this.root);

    this.applyTheme();
    this.renderSound();

    this.launcher.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));
    closeButton.addEventListener("click", () => this.close());
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        this.close();
      }
    });
    this.soundButton.addEventListener("click", () => {
      this.sound = !this.sound;
      if (this.sound) unlockAudio();
      writeJson(soundKey, this.sound);
      this.renderSound();
    });
    this.input.addEventListener("input", () => {
      this.sendButton.disabled = this.input.value.trim() === "";
      this.autosize();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.humanButton.addEventListener("click", () => void this.askForHuman());
    window.addEventListener("online", () => this.reconnectSoon(0));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && this.isOpen) this.markSeen();
    });
  }

  mount(): void {
    document.body.append(this.host);
    // A conversation from an earlier page: show its unread count and keep it live.
    if (this.session) void this.start();
  }

  // ---- look ----

  private applyStyles(root: ShadowRoot): void {
    // A constructed sheet is not inline <style>, so a page whose CSP forbids inline styles still shows us.
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = [sheet];
    } catch {
      root.append(h("style", {}, css));
    }
  }

  private applyTheme(): void {
    const color = this.config.color?.trim();
    if (color && CSS.supports("color", color)) {
      this.root.style.setProperty("--rx-accent", color);
      this.root.style.setProperty("--rx-on-accent", contrastColor(color));
    }
  }

  private renderSound(): void {
    const label = this.sound ? this.t.soundOff : this.t.soundOn;
    this.soundButton.replaceChildren(icon(...(this.sound ? icons.soundOn : icons.soundOff)));
    this.soundButton.setAttribute("aria-label", label);
    this.soundButton.setAttribute("title", label);
    this.soundButton.setAttribute("aria-pressed", String(this.sound));
  }

  private autosize(): void {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 120)}px`;
  }

  private renderUnread(): void {
    const seen = this.session?.seen ?? 0;
    let unread = 0;
    for (const { message } of this.messages.values()) if (message.author !== "user" && message.seq > seen) unread += 1;
    const show = unread > 0 && !this.isOpen;
    this.badge.hidden = !show;
    this.badge.textContent = unread > 99 ? "99+" : String(unread);
    this.launcher.setAttribute("aria-label", show ? `${this.t.open} (${format(this.t.unread, unread)})` : this.t.open);
  }

  private nearBottom(): boolean {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  }

  private scrollToBottom(): void {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  // ---- open / close ----

  open(): void {
    this.isOpen = true;
    this.root.dataset.open = "true";
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    if (this.sound) unlockAudio();
    this.markSeen();
    this.scrollToBottom();
    this.input.focus();
    void this.start().catch(() => this.showError());
  }

  close(): void {
    this.isOpen = false;
    this.root.dataset.open = "false";
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.renderUnread();
    this.launcher.focus();
  }

  private markSeen(): void {
    if (!this.session) return;
    let newest = this.session.seen ?? 0;
    for (const seq of this.messages.keys()) newest = Math.max(newest, seq);
    if (newest !== this.session.seen) {
      this.session.seen = newest;
      this.saveSession();
    }
    this.renderUnread();
  }

  // ---- session ----

  private saveSession(): void {
    writeJson(this.storageKey, this.session);
  }

  private ensureSession(): Promise<StoredSession> {
    if (this.session) return Promise.resolve(this.session);
    this.sessionPromise ??= this.api
      .openSession()
      .then((created) => {
        this.session = { dialogId: created.dialogId, sessionToken: created.sessionToken, seen: 0 };
        this.saveSession();
        return this.session;
      })
      .finally(() => {
        this.sessionPromise = null;
      });
    return this.sessionPromise;
  }

  /** The server refused the session (expired, revoked, another origin): forget it and its transcript. */
  private dropSession(): void {
    this.session = null;
    this.saveSession();
    this.events?.close();
    this.events = null;
    for (const { element } of this.messages.values()) element.remove();
    this.messages.clear();
    for (const notice of this.log.querySelectorAll(".notice")) notice.remove();
    this.status = "ai";
    this.loaded = false;
    this.rating.hidden = true;
    this.setTyping(null);
    this.setOnline(true); // Nothing to be connected to until the next session.
    this.renderStatus();
    this.renderUnread();
  }

  /** Session, history and the live stream; safe to call again. */
  private async start(): Promise<void> {
    await this.ensureSession();
    await this.sync();
    if (!this.events && this.session) this.connect();
  }

  /** Reads the transcript and merges it (by seq) with what is shown. */
  private sync(): Promise<void> {
    this.syncing ??= (async () => {
      const session = this.session;
      if (!session) return;
      try {
        const history = await this.api.history(session);
        const pinned = this.nearBottom();
        for (const message of history.items) this.addMessage(message, false);
        if (history.status) this.setStatus(history.status, this.loaded);
        this.loaded = true;
        if (pinned) this.scrollToBottom();
        if (this.isOpen && document.visibilityState === "visible") this.markSeen();
        else this.renderUnread();
      } catch (error) {
        if (!(error instanceof HttpError && (error.status === 401 || error.status === 404))) throw error;
        this.dropSession();
        // Someone looking at the window gets a new conversation right away; otherwise on the next open.
        if (this.isOpen) window.setTimeout(() => void this.start().catch(() => this.showError()), 0);
      }
    })().finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  // ---- live events ----

  private connect(): void {
    const session = this.session;
    if (!session) return;
    this.events?.close();
    // Resume after the newest message the history gave: the server replays what is newer.
    const events = new EventSource(this.api.eventsUrl(session, this.lastSeq()));
    this.events = events;
    events.addEventListener("ready", () => {
      this.retries = 0;
      this.setOnline(true);
      // The fallback for a server that does not replay (or a gap it cannot fill): the history, merged by seq.
      void this.sync().catch(() => undefined);
    });
    events.addEventListener("message", (event) => {
      const message = parse(event) as Message | null;
      if (message && typeof message.seq === "number") this.addMessage(message, true);
    });
    events.addEventListener("typing", (event) => {
      const data = parse(event) as { partial?: unknown } | null;
      this.setTyping(typeof data?.partial === "string" ? data.partial : null);
    });
    const onStatus = (event: Event) => {
      const data = parse(event) as { status?: Status } | null;
      if (data?.status) this.setStatus(data.status, true);
    };
    events.addEventListener("dialog.status", onStatus);
    events.addEventListener("dialog.assigned", onStatus);
    events.onerror = () => {
      if (events !== this.events) return;
      this.setOnline(false);
      this.setTyping(null);
      // CONNECTING: the browser retries by itself, with Last-Event-ID. CLOSED: it gave up (an HTTP error).
      if (events.readyState === EventSource.CLOSED) {
        events.close();
        this.events = null;
        this.reconnectSoon();
      }
    };
  }

  /** The newest message seq shown (0 when none). */
  private lastSeq(): number {
    let newest = 0;
    for (const seq of this.messages.keys()) newest = Math.max(newest, seq);
    return newest;
  }

  private reconnectSoon(delay?: number): void {
    if (!this.session || (this.events && this.events.readyState !== EventSource.CLOSED && delay === undefined)) return;
    window.clearTimeout(this.reconnectTimer);
    this.retries += 1;
    const base = Math.min(maxBackoffMs, 1000 * 2 ** Math.min(this.retries, 5));
    const wait = delay ?? base / 2 + Math.random() * (base / 2);
    this.reconnectTimer = window.setTimeout(() => {
      // A refused session shows here as a 401 from the history, which drops it; else the stream comes back.
      this.sync()
        .then(() => {
          if (this.session) this.connect();
        })
        .catch(() => this.reconnectSoon());
    }, wait);
  }

  private setOnline(online: boolean): void {
    window.clearTimeout(this.offlineTimer);
    if (online) {
      this.banner.hidden = true;
      return;
    }
    // A reconnect that succeeds at once should not flash the banner.
    this.offlineTimer = window.setTimeout(() => {
      this.banner.classList.remove("error");
      this.banner.textContent = this.t.offline;
      this.banner.hidden = false;
    }, offlineDelayMs);
  }

  private showError(text: string = this.t.error): void {
    this.banner.textContent = text;
    this.banner.classList.add("error");
    this.banner.hidden = false;
  }

  // ---- transcript ----

  private label(message: Message): string | null {
    switch (message.author) {
      case "assistant":
        return this.t.assistant;
      case "operator":
        return this.t.operator;
      case "system":
        return this.t.system;
      default:
        return null;
    }
  }

  private addMessage(message: Message, live: boolean): void {
    if (this.messages.has(message.seq)) return;
    const pinned = this.nearBottom();
    const who = this.label(message);
    const element = h(
      "li",
      { class: `msg ${message.author}`, "data-testid": "replyx-message", "data-author": message.author, "data-seq": String(message.seq), title: new Date(message.at).toLocaleString() },
      who ? h("span", { class: "who" }, who) : null,
      message.text,
    );
    // In seq order: before the next newer message, else before any message still being sent.
    let before: Element | null = null;
    let next = Infinity;
    for (const [seq, entry] of this.messages) {
      if (seq > message.seq && seq < next) {
        next = seq;
        before = entry.element;
      }
    }
    before ??= this.pending[0]?.element ?? null;
    this.log.insertBefore(element, before);
    this.messages.set(message.seq, { message, element });

    if (message.author === "user") {
      // Ours, as the server has it: the pending copy can go.
      const index = this.pending.findIndex((p) => p.text === message.text.trim());
      if (index >= 0 && live) {
        this.pending[index]?.element.remove();
        this.pending.splice(index, 1);
      }
    } else {
      if (message.author === "assistant") this.setTyping(null);
      if (live) {
        if (this.sound && (!this.isOpen || document.visibilityState !== "visible")) chime();
        if (this.isOpen && document.visibilityState === "visible") this.markSeen();
      }
    }
    this.renderUnread();
    if (pinned || message.author === "user") this.scrollToBottom();
  }

  private setTyping(partial: string | null): void {
    const pinned = this.nearBottom();
    this.typing.hidden = partial === null;
    this.typingText.textContent = partial ?? "";
    if (pinned) this.scrollToBottom();
  }

  private notice(text: string): void {
    this.log.append(h("li", { class: "notice", "data-testid": "replyx-notice" }, text));
    this.scrollToBottom();
  }

  private setStatus(status: Status, live: boolean): void {
    const previous = this.status;
    if (status === previous) return;
    this.status = status;
    if (live) {
      if (status === "waiting") this.notice(this.t.humanAsked);
      else if (status === "operator") this.notice(this.t.operatorJoined);
      else if (status === "ai" && (previous === "operator" || previous === "waiting")) this.notice(this.t.backToAi);
      else if (status === "closed") this.notice(this.t.closed);
    }
    if (status !== "closed" && this.session?.rated) {
      this.session.rated = false;
      this.saveSession();
    }
    this.renderStatus();
  }

  private renderStatus(): void {
    this.humanButton.disabled = this.status === "waiting" || this.status === "operator";
    this.humanButton.hidden = this.status === "operator" || this.status === "closed";
    const offerRating = this.status === "closed" && !this.session?.rated;
    if (offerRating && this.rating.hidden) this.resetRating();
    this.rating.hidden = !offerRating;
  }

  // ---- sending ----

  private submit(): void {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.sendButton.disabled = true;
    this.autosize();
    const element = h("li", { class: "msg user pending", "data-testid": "replyx-message", "data-author": "user" }, text);
    this.log.append(element);
    const pending: Pending = { text, key: uuid(), element };
    this.pending.push(pending);
    this.scrollToBottom();
    void this.deliver(pending);
  }

  private async deliver(pending: Pending, retried = false): Promise<void> {
    pending.element.classList.add("pending");
    pending.element.classList.remove("failed");
    pending.element.querySelector(".retry")?.remove();
    try {
      const session = await this.ensureSession();
      const result = await this.api.send(session, pending.text, pending.key);
      if (!this.events) this.connect();
      if (this.pending.includes(pending)) {
        pending.element.remove();
        this.pending.splice(this.pending.indexOf(pending), 1);
        this.addMessage({ seq: result.seq, at: new Date().toISOString(), author: "user", text: pending.text, operatorId: null }, false);
      }
    } catch (error) {
      if (error instanceof HttpError && error.status === 401 && !retried) {
        // The old session is gone: this message starts a new conversation.
        this.dropSession();
        pending.key = uuid();
        await this.deliver(pending, true);
        return;
      }
      pending.element.classList.remove("pending");
      pending.element.classList.add("failed");
      const retry = h("button", { type: "button", class: "retry", "data-testid": "replyx-retry" }, `${this.t.failed} ${this.t.retry}`);
      retry.addEventListener("click", () => void this.deliver(pending));
      pending.element.append(retry);
      if (error instanceof HttpError && error.status !== 0) this.showError(error.message);
    }
  }

  private async askForHuman(): Promise<void> {
    this.humanButton.disabled = true;
    try {
      const session = await this.ensureSession();
      if (!this.events) this.connect();
      await this.api.handoff(session);
      this.setStatus("waiting", true);
    } catch (error) {
      this.humanButton.disabled = false;
      this.showError(error instanceof HttpError ? error.message : this.t.error);
    }
  }

  // ---- rating ----

  private buildRating(): HTMLFormElement {
    const t = this.t;
    const stars = h("div", { class: "stars" });
    const labels: HTMLLabelElement[] = [];
    for (let score = 1; score <= 5; score += 1) {
      const input = h("input", { type: "radio", name: "score", value: String(score), "data-testid": `replyx-star-${score}` });
      const label = h("label", {}, input, h("span", { "aria-hidden": "true" }, "★"), h("span", { class: "visually-hidden" }, format(t.star, score)));
      labels.push(label);
      stars.append(label);
    }
    const paint = () => {
      const chosen = Number(stars.querySelector<HTMLInputElement>("input:checked")?.value ?? 0);
      labels.forEach((label, index) => label.classList.toggle("on", index < chosen));
      submit.disabled = chosen === 0;
    };
    stars.addEventListener("change", paint);
    const comment = h("textarea", { name: "comment", maxlength: "2000", "aria-label": t.comment, placeholder: t.comment });
    const submit = h("button", { type: "submit", class: "primary", disabled: true, "data-testid": "replyx-rate" }, t.submitRating);
    const form = h(
      "form",
      { class: "rating", hidden: true, "data-testid": "replyx-rating" },
      h("fieldset", {}, h("legend", {}, t.rate), stars),
      comment,
      submit,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const session = this.session;
      const score = Number(stars.querySelector<HTMLInputElement>("input:checked")?.value ?? 0);
      if (!session || score < 1) return;
      submit.disabled = true;
      this.api
        .rate(session, score, comment.value.trim())
        .then(() => {
          session.rated = true;
          this.saveSession();
          this.rating.hidden = true;
          this.notice(t.thanks);
        })
        .catch((error: unknown) => {
          submit.disabled = false;
          this.showError(error instanceof HttpError ? error.message : t.error);
        });
    });
    return form;
  }

  private resetRating(): void {
    this.rating.reset();
    for (const label of this.rating.querySelectorAll("label")) label.classList.remove("on");
    const submit = this.rating.querySelector<HTMLButtonElement>("button[type=submit]");
    if (submit) submit.disabled = true;
  }
}
