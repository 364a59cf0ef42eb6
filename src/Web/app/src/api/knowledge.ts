// Assistants and their knowledge bases (owners only): documents, retrieval tests and test answers.

import { api } from "./http";
import { uploadFile, type UploadOptions } from "./upload";
import type { AskResult, Assistant, KnowledgeDocument, KnowledgeSource, SearchResult } from "./types";

const assistantPath = (id: string) => `/api/assistants/${encodeURIComponent(id)}`;
const documentPath = (id: string) => `/api/documents/${encodeURIComponent(id)}`;

/** What the picker offers; the server decides by the content, not by the name. */
export const documentAccept = ".pdf,.docx,.txt,.md,.markdown,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/plain,text/markdown";

/** The server's default limit (Knowledge:MaxUploadBytes); it answers 413 above its own. */
export const defaultMaxUploadBytes = 20 * 1024 * 1024;

export function listAssistants(signal?: AbortSignal): Promise<Assistant[]> {
  return api<Assistant[]>("/api/assistants", signal ? { signal } : {});
}

export function getAssistant(id: string, signal?: AbortSignal): Promise<Assistant> {
  return api<Assistant>(assistantPath(id), signal ? { signal } : {});
}

export function listDocuments(assistantId: string, signal?: AbortSignal): Promise<KnowledgeDocument[]> {
  return api<KnowledgeDocument[]>(`${assistantPath(assistantId)}/documents`, signal ? { signal } : {});
}

export function getDocument(id: string, signal?: AbortSignal): Promise<KnowledgeDocument> {
  return api<KnowledgeDocument>(documentPath(id), signal ? { signal } : {});
}

/** 202: the document is stored and processed in the background (its status is `processing`). */
export function uploadDocument(assistantId: string, file: File, options: Omit<UploadOptions, "method"> = {}): Promise<KnowledgeDocument> {
  return uploadFile<KnowledgeDocument>(`${assistantPath(assistantId)}/documents`, file, { ...options, method: "POST" });
}

/** 202: the same document (same id) with new content; its old passages answer until the new ones are ready. */
export function replaceDocument(id: string, file: File, options: Omit<UploadOptions, "method"> = {}): Promise<KnowledgeDocument> {
  return uploadFile<KnowledgeDocument>(documentPath(id), file, { ...options, method: "PUT" });
}

export function setDocumentEnabled(id: string, enabled: boolean): Promise<KnowledgeDocument> {
  return api<KnowledgeDocument>(documentPath(id), { method: "PATCH", body: { enabled } });
}

export function deleteDocument(id: string): Promise<undefined> {
  return api<undefined>(documentPath(id), { method: "DELETE" });
}

export interface SearchQuery {
  query: string;
  context?: string | undefined;
  k?: number | undefined;
}

export function searchKnowledge(assistantId: string, search: SearchQuery): Promise<SearchResult> {
  const body: SearchQuery = { query: search.query };
  if (search.context) body.context = search.context;
  if (search.k !== undefined) body.k = search.k;
  return api<SearchResult>(`${assistantPath(assistantId)}/search`, { method: "POST", body });
}

/** A source as a server sends it: structured, or (older servers) only its file name. */
function readSource(source: unknown): KnowledgeSource | null {
  if (typeof source === "string") return source ? { documentId: "", fileName: source, heading: null, page: null } : null;
  if (typeof source !== "object" || source === null) return null;
  const s = source as Partial<Record<keyof KnowledgeSource, unknown>>;
  if (typeof s.fileName !== "string") return null;
  return {
    documentId: typeof s.documentId === "string" ? s.documentId : "",
    fileName: s.fileName,
    heading: typeof s.heading === "string" && s.heading ? s.heading : null,
    page: typeof s.page === "number" ? s.page : null,
  };
}

export async function ask(assistantId: string, text: string): Promise<AskResult> {
  const result = await api<Omit<AskResult, "sources"> & { sources?: unknown }>(`${assistantPath(assistantId)}/ask`, { method: "POST", body: { text } });
  const sources = Array.isArray(result.sources) ? result.sources.map(readSource).filter((s): s is KnowledgeSource => s !== null) : [];
  return { ...result, sources };
}
