// <input type="datetime-local"> values ("2026-12-03T18:30", the user's local time) to and from ISO instants.

export function localInputToIso(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Now (or `at`) as a datetime-local value, to the minute: the input's `min`. */
export function isoToLocalInput(at: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}
