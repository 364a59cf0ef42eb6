// TanStack Query keys, options and cache edits for the desk. Live events edit the caches in place where
// they can (a status, a preview, a new message) and invalidate the lists whose membership may change.

import { infiniteQueryOptions, queryOptions, type InfiniteData, type QueryClient } from "@tanstack/react-query";
import { getDesk, getDialog, listAccountUsers, listCannedResponses, listDialogs, type DialogFilters } from "../api/dialogs";
import type { DeskView, DialogDetail, DialogSummary, Message, Note, Page } from "../api/types";

export const dialogKeys = {
  all: ["dialogs"] as const,
  lists: () => ["dialogs", "list"] as const,
  list: (filters: DialogFilters) => ["dialogs", "list", filters] as const,
  details: () => ["dialogs", "detail"] as const,
  detail: (id: string) => ["dialogs", "detail", id] as const,
};

export function dialogListOptions(filters: DialogFilters) {
  return infiniteQueryOptions({
    queryKey: dialogKeys.list(filters),
    queryFn: ({ pageParam, signal }) => listDialogs(filters, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last: Page<DialogSummary>) => last.nextCursor,
  });
}

export function dialogDetailOptions(id: string) {
  return infiniteQueryOptions({
    queryKey: dialogKeys.detail(id),
    queryFn: ({ pageParam, signal }) => getDialog(id, pageParam, signal),
    initialPageParam: null as string | null,
    // Pages go back in time: the first is the newest messages, each next one older.
    getNextPageParam: (last: DialogDetail) => last.nextCursor,
  });
}

export const cannedResponsesOptions = queryOptions({
  queryKey: ["canned-responses"] as const,
  queryFn: listCannedResponses,
  staleTime: 5 * 60_000,
  retry: false,
});

export const deskKey = ["desk"] as const;

/**
 * The queue's offers and who is online. The account feed refetches it when dialogs change; presence has no
 * event of its own (an operator comes online by opening the feed), so it is also read again now and then.
 */
export const deskOptions = queryOptions({
  queryKey: deskKey,
  queryFn: ({ signal }) => getDesk(signal),
  staleTime: 5_000,
  // Not where the server has no desk (null).
  refetchInterval: (query) => (query.state.data === null ? false : 30_000),
  retry: 1,
});

/** Names of the account's people, for owners (the only ones who may list them). */
export const accountUsersOptions = queryOptions({
  queryKey: ["account-users"] as const,
  queryFn: ({ signal }) => listAccountUsers(signal),
  staleTime: 5 * 60_000,
  retry: false,
});

/** The ids of the waiting dialogs offered to this operator right now. */
export function offeredTo(desk: DeskView | null | undefined, operatorId: string): Set<string> {
  return new Set((desk?.queue ?? []).filter((q) => q.offeredTo === operatorId).map((q) => q.dialogId));
}

/** A `dialog.offered` event: the dialog is offered to one operator (until the desk says otherwise). */
export function recordOffer(client: QueryClient, dialogId: string, operatorId: string | null, at: string): void {
  client.setQueryData<DeskView | null>(deskKey, (desk) => {
    if (!desk) return desk;
    const entry = { dialogId, waitingSince: at, offeredTo: operatorId, offeredAt: operatorId ? at : null };
    const existing = desk.queue.find((q) => q.dialogId === dialogId);
    const queue = existing
      ? desk.queue.map((q) => (q.dialogId === dialogId ? { ...q, offeredTo: entry.offeredTo, offeredAt: entry.offeredAt } : q))
      : [...desk.queue, entry];
    return { ...desk, queue };
  });
}

type ListData = InfiniteData<Page<DialogSummary>>;
type DetailData = InfiniteData<DialogDetail>;

/** Every message of the loaded pages, once each, oldest first. */
export function transcript(data: DetailData | undefined): Message[] {
  if (!data) return [];
  const bySeq = new Map<number, Message>();
  for (const page of data.pages) for (const message of page.messages) bySeq.set(message.seq, message);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The dialog's notes, oldest first; null where the server sends none (it has no notes feature). */
export function dialogNotes(data: DetailData | undefined): Note[] | null {
  const notes = data?.pages[0]?.notes;
  return notes ? [...notes].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)) : null;
}

/** Adds a note (once, by id) to a dialog's cached transcript. */
export function upsertNote(client: QueryClient, dialogId: string, note: Note): void {
  client.setQueryData<DetailData>(dialogKeys.detail(dialogId), (data) => {
    if (!data) return data;
    return {
      ...data,
      pages: data.pages.map((page) => ({ ...page, notes: [...(page.notes ?? []).filter((n) => n.id !== note.id), note] })),
    };
  });
}

/** The freshest dialog summary of a detail query (the first page is the newest). */
export function detailDialog(data: DetailData | undefined): DialogSummary | undefined {
  return data?.pages[0]?.dialog;
}

/** The freshest cached summary of a dialog (its detail, else any list that holds it). */
export function findDialog(client: QueryClient, id: string): DialogSummary | undefined {
  const detail = detailDialog(client.getQueryData<DetailData>(dialogKeys.detail(id)));
  if (detail) return detail;
  for (const [, data] of client.getQueriesData<ListData>({ queryKey: dialogKeys.lists() })) {
    const found = data?.pages.flatMap((page) => page.items).find((d) => d.id === id);
    if (found) return found;
  }
  return undefined;
}

/** Applies a change to one dialog wherever it is cached: its detail and every list that holds it. */
export function patchDialog(client: QueryClient, id: string, patch: (dialog: DialogSummary) => DialogSummary): boolean {
  const result = { found: false };
  client.setQueriesData<ListData>({ queryKey: dialogKeys.lists() }, (data) => {
    if (!data?.pages.some((page) => page.items.some((d) => d.id === id))) return data;
    result.found = true;
    const pages = data.pages.map((page) =>
      page.items.some((d) => d.id === id) ? { ...page, items: page.items.map((d) => (d.id === id ? patch(d) : d)) } : page,
    );
    return { ...data, pages };
  });
  client.setQueryData<DetailData>(dialogKeys.detail(id), (data) => {
    if (!data) return data;
    result.found = true;
    return { ...data, pages: data.pages.map((page) => ({ ...page, dialog: patch(page.dialog) })) };
  });
  return result.found;
}

/** Replaces a dialog with the server's summary (what takeover, release and close return). */
export function storeDialog(client: QueryClient, dialog: DialogSummary): void {
  patchDialog(client, dialog.id, () => dialog);
}

/**
 * Adds a message to a dialog's newest page, replacing one with the same seq (or, with keepExisting, leaving
 * it: a locally made copy must not overwrite what the server sent), and makes it the list preview.
 */
export function upsertMessage(client: QueryClient, dialogId: string, message: Message, keepExisting = false): void {
  client.setQueryData<DetailData>(dialogKeys.detail(dialogId), (data) => {
    const first = data?.pages[0];
    if (!data || !first) return data;
    if (keepExisting && data.pages.some((page) => page.messages.some((m) => m.seq === message.seq))) return data;
    const messages = first.messages.filter((m) => m.seq !== message.seq);
    messages.push(message);
    messages.sort((a, b) => a.seq - b.seq);
    return { ...data, pages: [{ ...first, messages }, ...data.pages.slice(1)] };
  });
  patchDialog(client, dialogId, (dialog) =>
    dialog.lastMessage && dialog.lastMessage.seq > message.seq ? dialog : { ...dialog, lastMessage: message, updatedAt: message.at },
  );
}
