// Dates as the API sends them (ISO-8601 UTC). Everything is shown in UTC, like the API reads them.

const DAY_MS = 86_400_000;

const dateFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
const timeFormat = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "UTC" });

/** "2026-03-01T08:00:00Z" → "1 Mar 2026"; "—" for null. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "—" : dateFormat.format(d);
}

/** "1 Mar 2026, 08:00 UTC". */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "—" : `${dateFormat.format(d)}, ${timeFormat.format(d)} UTC`;
}

/** Whole days between two instants, floored ("3 days ago" style; negative in the future). */
export function daysBetween(fromIso: string, toIso: string): number {
  return Math.floor((Date.parse(toIso) - Date.parse(fromIso)) / DAY_MS);
}

/** "today", "yesterday", "12 days ago", "in 3 days"; relative to `nowIso` (the API's clock). */
export function formatRelative(iso: string | null | undefined, nowIso: string): string {
  if (!iso) return "—";
  const days = daysBetween(iso, nowIso);
  if (days === 0) return "today";
  if (days === 1) return "yesterday";
  if (days > 1) return `${days} days ago`;
  return `in ${-days} days`;
}

/** The UTC calendar day of an instant, "YYYY-MM-DD" (what a date input shows). */
export function isoDay(iso: string): string {
  return new Date(iso).toISOString().slice(0, 10);
}

/** A date input's "YYYY-MM-DD" as the instant starting (or, with `endOfDay`, ending) that UTC day. */
export function dayToIso(day: string, endOfDay = false): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) return null;
  return endOfDay ? `${day}T23:59:59.999Z` : `${day}T00:00:00.000Z`;
}

export type RangePreset = "7d" | "30d" | "90d" | "12m";
export const RANGE_PRESETS: readonly { key: RangePreset; label: string }[] = [
  { key: "7d", label: "7 days" },
  { key: "30d", label: "30 days" },
  { key: "90d", label: "90 days" },
  { key: "12m", label: "12 months" },
];

/** The [from, to] days ("YYYY-MM-DD") of a preset ending on the day of `nowIso`; 12 months = 365 days. */
export function presetRange(preset: RangePreset, nowIso: string): { from: string; to: string } {
  const days = { "7d": 7, "30d": 30, "90d": 90, "12m": 365 }[preset];
  const end = Date.parse(nowIso);
  return { from: isoDay(new Date(end - (days - 1) * DAY_MS).toISOString()), to: isoDay(nowIso) };
}
