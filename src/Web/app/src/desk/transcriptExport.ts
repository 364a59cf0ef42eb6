// A dialog's transcript as a file, built in the browser from GET /api/dialogs/{id}: every page of messages
// (the server gives at most 200 a page, newest page first, each oldest first; `nextCursor` is the `before`
// of the next older page), then written as readable text, as the API's JSON or as CSV.

import { api, query } from "../api/http";
import type { Author, DialogDetail, Message, Note } from "../api/types";

export const exportFormats = ["txt", "json", "csv"] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** The server's largest page (DialogLists.MaxLimit). */
const pageSize = 200;
/** A guard against a server that never stops sending cursors. */
const maxPages = 10_000;

/** The whole dialog in the API's own shape: the dialog, every message oldest first, the notes; no cursor left. */
export async function fetchWholeDialog(id: string, signal?: AbortSignal): Promise<DialogDetail> {
  const pages: DialogDetail[] = [];
  let before: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const path = `/api/dialogs/${encodeURIComponent(id)}${query({ before, limit: pageSize })}`;
    const page: DialogDetail = await api<DialogDetail>(path, signal ? { signal } : {});
    pages.push(page);
    if (!page.nextCursor || page.nextCursor === before) break;
    before = page.nextCursor;
  }
  const first = pages[0];
  if (!first) throw new Error("No answer");
  const seen = new Set<number>();
  const messages: Message[] = [];
  for (const page of [...pages].reverse()) {
    for (const message of page.messages) {
      if (seen.has(message.seq)) continue;
      seen.add(message.seq);
      messages.push(message);
    }
  }
  messages.sort((a, b) => a.seq - b.seq);
  // The first page is the newest: its dialog and notes are the latest.
  return { ...first, messages, nextCursor: null };
}

export interface TextLabels {
  heading: string;
  fields: { label: string; value: string }[];
  messages: string;
  notes: string;
  author: (author: Author, operatorId: string | null) => string;
  noteAuthor: (note: Note) => string;
  time: (at: string) => string;
}

function indent(text: string): string {
  return text.replace(/\r\n?/g, "\n").split("\n").join("\n    ");
}

/** Plain text a person reads: a header, then "[time] Author: text" per message, then the private notes. */
export function toText(detail: DialogDetail, labels: TextLabels): string {
  const lines: string[] = [labels.heading, "=".repeat(Math.min(labels.heading.length, 72))];
  for (const field of labels.fields) lines.push(`${field.label}: ${field.value}`);
  lines.push("", `${labels.messages} (${detail.messages.length})`, "");
  for (const m of detail.messages) {
    lines.push(`[${labels.time(m.at)}] ${labels.author(m.author, m.operatorId)}: ${indent(m.text)}`);
  }
  const notes = detail.notes ?? [];
  if (notes.length > 0) {
    lines.push("", `${labels.notes} (${notes.length})`, "");
    for (const n of notes) lines.push(`[${labels.time(n.at)}] ${labels.noteAuthor(n)}: ${indent(n.text)}`);
  }
  return `${lines.join("\n")}\n`;
}

export function toJson(detail: DialogDetail): string {
  return `${JSON.stringify(detail, null, 2)}\n`;
}

/** A spreadsheet would run a cell that starts like a formula: such text gets a leading apostrophe (OWASP's advice). */
function csvCell(value: string | number | null): string {
  let text = value === null ? "" : String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per message (RFC 4180, CRLF), with a BOM so that spreadsheet programs read UTF-8. */
export function toCsv(detail: DialogDetail, columns: { seq: string; at: string; author: string; operatorId: string; text: string }, authorName: (m: Message) => string): string {
  const rows = [[columns.seq, columns.at, columns.author, "author_name", columns.operatorId, columns.text].map(csvCell).join(",")];
  for (const m of detail.messages) {
    rows.push([m.seq, m.at, m.author, authorName(m), m.operatorId, m.text].map(csvCell).join(","));
  }
  return `\uFEFF${rows.join("\r\n")}\r\n`;
}

const mimeTypes: Record<ExportFormat, string> = {
  txt: "text/plain;charset=utf-8",
  json: "application/json;charset=utf-8",
  csv: "text/csv;charset=utf-8",
};

export function exportFileName(id: string, format: ExportFormat): string {
  return `dialog-${id}.${format}`;
}

/** Saves the text as a file through a temporary link to a blob. */
export function download(fileName: string, format: ExportFormat, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: mimeTypes[format] }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
  // Some browsers read the blob after the click returns.
  window.setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
