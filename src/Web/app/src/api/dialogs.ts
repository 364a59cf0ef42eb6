import { api, query, uuid } from "./http";
import { ApiError } from "./errors";
import type { AccountUser, CannedResponse, Channel, DeskView, DialogDetail, DialogStatus, DialogSummary, Note, Page, SendResult } from "./types";

export interface DialogFilters {
  status?: DialogStatus | undefined;
  channel?: Channel | undefined;
  assistantId?: string | undefined;
  operatorId?: string | undefined;
  unanswered?: boolean | undefined;
  q?: string | undefined;
}

export const dialogPageSize = 30;
export const messagePageSize = 50;

export function listDialogs(filters: DialogFilters, cursor: string | null, signal?: AbortSignal): Promise<Page<DialogSummary>> {
  const path = `/api/dialogs${query({
    status: filters.status,
    channel: filters.channel,
    assistantId: filters.assistantId,
    operatorId: filters.operatorId,
    unanswered: filters.unanswered ? true : undefined,
    q: filters.q?.trim(),
    limit: dialogPageSize,
    cursor,
  })}`;
  return api<Page<DialogSummary>>(path, signal ? { signal } : {});
}

export function getDialog(id: string, before: string | null, signal?: AbortSignal): Promise<DialogDetail> {
  const path = `/api/dialogs/${encodeURIComponent(id)}${query({ before, limit: messagePageSize })}`;
  return api<DialogDetail>(path, signal ? { signal } : {});
}

export type DialogAction = "takeover" | "release" | "close";

export function dialogAction(id: string, action: DialogAction): Promise<DialogSummary> {
  return api<DialogSummary>(`/api/dialogs/${encodeURIComponent(id)}/${action}`, { method: "POST" });
}

/** The same key for a retry of the same text makes the server deliver it once. */
export function sendMessage(id: string, text: string, idempotencyKey: string = uuid()): Promise<SendResult> {
  return api<SendResult>(`/api/dialogs/${encodeURIComponent(id)}/messages`, {
    method: "POST",
    body: { text },
    headers: { "Idempotency-Key": idempotencyKey },
  });
}

export function addNote(id: string, text: string): Promise<Note> {
  return api<Note>(`/api/dialogs/${encodeURIComponent(id)}/notes`, { method: "POST", body: { text } });
}

/** The account's canned responses, or null where the server has no such feature (404). */
export async function listCannedResponses(): Promise<CannedResponse[] | null> {
  try {
    const page = await api<{ items: CannedResponse[] }>("/api/canned-responses");
    return page.items;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}

/** Where the server has no such route (an older one) or refuses it: null, and the desk shows without it. */
function missing(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 403 || error.status === 404 || error.status === 405);
}

/** The account's queue with its offers and the operators online, or null where the server has no desk. */
export async function getDesk(signal?: AbortSignal): Promise<DeskView | null> {
  try {
    return await api<DeskView>("/api/desk", signal ? { signal } : {});
  } catch (error) {
    if (missing(error)) return null;
    throw error;
  }
}

/** The account's people with their names (owners only; null for anyone else). */
export async function listAccountUsers(signal?: AbortSignal): Promise<AccountUser[] | null> {
  try {
    return await api<AccountUser[]>("/api/account/operators", signal ? { signal } : {});
  } catch (error) {
    if (missing(error)) return null;
    throw error;
  }
}
