// The shapes the ReplyX API sends and takes (docs/API.md). JSON is camelCase; times are ISO 8601 strings.

export type Role = "owner" | "operator" | "admin";

export interface AccountRef {
  id: string;
  name: string;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  account: AccountRef | null;
}

export interface AccessToken {
  accessToken: string;
  accessTokenExpiresAt: string;
}

export interface LoginResponse extends AccessToken {
  user: User;
}

export const dialogStatuses = ["ai", "waiting", "operator", "closed"] as const;
export type DialogStatus = (typeof dialogStatuses)[number];

export const channels = ["telegram", "widget"] as const;
export type Channel = (typeof channels)[number];

export type Author = "user" | "assistant" | "operator" | "system";

export interface Message {
  seq: number;
  at: string;
  author: Author;
  text: string;
  operatorId: string | null;
}

export interface Rating {
  score: number;
  comment: string | null;
}

export interface DialogSummary {
  id: string;
  accountId: string;
  assistantId: string;
  channel: Channel;
  status: DialogStatus;
  operatorId: string | null;
  createdAt: string;
  updatedAt: string;
  lastMessage: Message | null;
  rating: Rating | null;
  origin: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A private note of the staff on a dialog: never shown to the visitor nor given to the model. */
export interface Note {
  id: string;
  authorId: string;
  text: string;
  at: string;
}

export interface DialogDetail {
  dialog: DialogSummary;
  /** Oldest first. */
  messages: Message[];
  /** Pass as `before` for the page of older messages; null when there are none. */
  nextCursor: string | null;
  /** Every note of the dialog, on every page; absent where the server has no notes. */
  notes?: Note[];
}

export interface SendResult {
  seq: number;
  duplicate: boolean;
}

export interface CannedResponse {
  id: string;
  shortcut: string;
  text: string;
}

/** `dialog.status` / `dialog.assigned` on one dialog's stream. */
export interface DialogStateEvent {
  status: DialogStatus;
  operatorId: string | null;
}

/** `typing` on one dialog's stream: the AI's answer so far, or null when it stopped. */
export interface TypingEvent {
  partial: string | null;
}

/** Every event of the account feed (`/api/events`) but `ready`. */
export interface AccountDialogEvent {
  dialogId: string;
  status: DialogStatus;
  operatorId: string | null;
  lastMessage: Message | null;
}

/** `/health`: the overall state and each component's. */
export interface HealthReport {
  status: string;
  totalDurationMs?: number;
  components: Record<string, { status: string; description?: string | null; durationMs?: number }>;
}

/** A waiting dialog in the desk's queue, and the operator it is offered to right now (if any). */
export interface QueuedDialog {
  dialogId: string;
  waitingSince: string;
  offeredTo: string | null;
  offeredAt: string | null;
}

/** An operator online for offers (their feed is open), with how many dialogs they have and may have. */
export interface OnlineOperator {
  operatorId: string;
  dialogs: number;
  limit: number;
  onlineSince: string;
}

/** `GET /api/desk`: the account's queue and who is online. */
export interface DeskView {
  queue: QueuedDialog[];
  online: OnlineOperator[];
}

/** `GET /api/account/operators` (owners): the account's people. */
export interface AccountUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  blocked: boolean;
}

/** `GET /api/assistants` (owners): the account's assistants; the knowledge pages read only these fields. */
export interface Assistant {
  id: string;
  name: string;
  model: string;
  language: string;
  createdAt: string;
  updatedAt: string;
}

export const documentFormats = ["pdf", "docx", "text", "markdown"] as const;
export type DocumentFormat = (typeof documentFormats)[number];

export const documentStatuses = ["processing", "ready", "failed"] as const;
export type DocumentStatus = (typeof documentStatuses)[number];

/** A document of an assistant's knowledge base. */
export interface KnowledgeDocument {
  id: string;
  assistantId: string;
  fileName: string;
  format: DocumentFormat;
  sizeBytes: number;
  status: DocumentStatus;
  error: string | null;
  chunksDone: number;
  chunksTotal: number;
  pages: number;
  language: "ru" | "en" | null;
  enabled: boolean;
  /** Goes up with every replacement of the content. */
  version: number;
  /** Enabled and with a processed version whose passages answers may use (while a new one is processed, the old). */
  searchable: boolean;
  embeddingModel: string | null;
  createdAt: string;
  updatedAt: string;
}

/** `document.status` on the account feed: a document's processing moved. */
export interface DocumentStatusEvent {
  documentId: string;
  assistantId: string;
  status: DocumentStatus;
  chunksDone: number;
  chunksTotal: number;
  error: string | null;
}

/** Where a passage comes from. */
export interface KnowledgeSource {
  documentId: string;
  fileName: string;
  heading: string | null;
  page: number | null;
}

export interface SearchHit {
  source: KnowledgeSource;
  /** The passage's place in its document. */
  position: number;
  text: string;
  /** The fused score the passages are ranked by. */
  score: number;
  /** Above the threshold an answer would use it at. */
  relevant: boolean;
  /** Each retriever's own score; null where that retriever did not find the passage. */
  scores: { fullText: number | null; trigram: number | null; vector: number | null };
}

/** `POST /api/assistants/{id}/search`. */
export interface SearchResult {
  hits: SearchHit[];
  /** Null where no embedding model is configured (no vector retriever). */
  embeddingModel: string | null;
}

/** `POST /api/assistants/{id}/ask`: a test answer without a dialog. */
export interface AskResult {
  text: string;
  /** The fallback text: no model answered. */
  offline: boolean;
  sources: KnowledgeSource[];
  usage: { promptTokens: number; completionTokens: number };
  model: string | null;
}
