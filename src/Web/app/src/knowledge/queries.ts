// TanStack Query keys, options and cache edits for the assistants and their documents. The account feed's
// `document.status` events edit a document's progress in place; a finished one is read again (its language,
// pages and searchable change with it). Where the feed is down, the list is polled while anything processes.

import { queryOptions, type QueryClient } from "@tanstack/react-query";
import { getAssistant, listAssistants, listDocuments } from "../api/knowledge";
import type { DocumentStatusEvent, KnowledgeDocument } from "../api/types";

export const knowledgeKeys = {
  assistants: ["assistants", "list"] as const,
  assistant: (id: string) => ["assistants", "detail", id] as const,
  documents: (assistantId: string) => ["documents", assistantId] as const,
};

/** Polling while a document processes and the feed is not open. */
export const fallbackPollMs = 2_000;
/** A slow safety net while a document processes and the feed is open (an event lost in between). */
export const safetyPollMs = 15_000;

export const assistantsOptions = queryOptions({
  queryKey: knowledgeKeys.assistants,
  queryFn: ({ signal }) => listAssistants(signal),
});

export function assistantOptions(id: string) {
  return queryOptions({
    queryKey: knowledgeKeys.assistant(id),
    queryFn: ({ signal }) => getAssistant(id, signal),
  });
}

export function documentsOptions(assistantId: string, feedOpen: boolean) {
  return queryOptions({
    queryKey: knowledgeKeys.documents(assistantId),
    queryFn: ({ signal }) => listDocuments(assistantId, signal),
    staleTime: 5_000,
    refetchInterval: (query) =>
      query.state.data?.some((d) => d.status === "processing") ? (feedOpen ? safetyPollMs : fallbackPollMs) : false,
  });
}

/** Newest first: what was just uploaded is at the top. */
export function sortDocuments(documents: readonly KnowledgeDocument[]): KnowledgeDocument[] {
  return [...documents].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || a.fileName.localeCompare(b.fileName));
}

/** Puts the server's copy of a document into its assistant's list (added when new). */
export function storeDocument(client: QueryClient, document: KnowledgeDocument): void {
  client.setQueryData<KnowledgeDocument[]>(knowledgeKeys.documents(document.assistantId), (list) => {
    if (!list) return list;
    return list.some((d) => d.id === document.id) ? list.map((d) => (d.id === document.id ? document : d)) : [document, ...list];
  });
}

export function removeDocument(client: QueryClient, assistantId: string, id: string): void {
  client.setQueryData<KnowledgeDocument[]>(knowledgeKeys.documents(assistantId), (list) => list?.filter((d) => d.id !== id));
}

export function patchDocument(client: QueryClient, assistantId: string, id: string, patch: Partial<KnowledgeDocument>): void {
  client.setQueryData<KnowledgeDocument[]>(knowledgeKeys.documents(assistantId), (list) => list?.map((d) => (d.id === id ? { ...d, ...patch } : d)));
}

/**
 * A `document.status` event applied to the cached list. Returns whether the list should be read again: the
 * document is not in it (uploaded elsewhere), or it finished (ready or failed), which changes more than the event says.
 */
export function applyDocumentEvent(client: QueryClient, assistantId: string, event: DocumentStatusEvent): boolean {
  const list = client.getQueryData<KnowledgeDocument[]>(knowledgeKeys.documents(assistantId));
  if (!list) return false;
  const current = list.find((d) => d.id === event.documentId);
  if (!current) return true;
  patchDocument(client, assistantId, event.documentId, {
    status: event.status,
    chunksDone: event.chunksDone,
    chunksTotal: event.chunksTotal,
    error: event.error,
  });
  return event.status !== "processing" || current.status !== "processing";
}
