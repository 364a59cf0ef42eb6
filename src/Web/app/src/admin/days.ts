// UTC days for the admins' reports: the API's ranges are calendar days in UTC, both ends included.

import type { DayRange } from "./api";

export const rangeChoices = [7, 30, 90] as const;
export type RangeDays = (typeof rangeChoices)[number];

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The last `days` UTC days, today included. */
export function lastDays(days: number, now: Date = new Date()): DayRange {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
  return { from: utcDay(from), to: utcDay(now) };
}

/** Every day of the range, so that a chart shows the quiet days too. */
export function eachDay(range: DayRange): string[] {
  const days: string[] = [];
  const end = Date.parse(`${range.to}T00:00:00Z`);
  for (let at = Date.parse(`${range.from}T00:00:00Z`); at <= end && days.length < 400; at += 86_400_000) {
    days.push(utcDay(new Date(at)));
  }
  return days;
}

/** A local calendar day ("2026-12-03") as the instant it starts; `end` gives the next day's start (exclusive ends). */
export function localDayStart(day: string, end = false): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, d + (end ? 1 : 0)).toISOString();
}
