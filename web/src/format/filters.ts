// The customer list's view (filters, search, sort, page) <-> the URL, the GraphQL filter and chips.
// All state lives in the URL so links are shareable and the back button works.

import { dayToIso, formatDate, presetRange } from "./dates";
import { formatMoney } from "./money";

export const STATUSES = ["ACTIVE", "TRIAL", "FROZEN", "CANCELLED", "UNINSTALLED", "FREE"] as const;
export type Status = (typeof STATUSES)[number];
export const SORT_FIELDS = [
  "SHOP_NAME", "DOMAIN", "EMAIL", "STATUS", "PLAN", "MRR", "COUNTRY", "INSTALLED_AT", "LAST_ACTIVE_AT",
  "LIFETIME_VALUE", "LAST_PAID_MRR",
] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export type Direction = "ASC" | "DESC";
export const PAGE_SIZES = [10, 25, 50, 100] as const;
export const DATE_PRESETS = ["7d", "30d", "90d"] as const;
export type DatePreset = (typeof DATE_PRESETS)[number];

/** A date range filter: a preset relative to the API's "now", or fixed days (inclusive). */
export interface DayRange {
  preset?: DatePreset;
  from?: string; // YYYY-MM-DD
  to?: string;
}

export interface CustomerView {
  search: string;
  status: Status[];
  plan: string[];
  country: string[];
  mrrMin?: string;
  mrrMax?: string;
  lastPaidMrrMin?: string;
  installed: DayRange;
  lastActive: DayRange;
  segment?: string;
  sort: SortField;
  dir: Direction;
  size: number;
  after?: string;
  before?: string;
  page: number; // 1-based page number shown to the user (kept in the URL with the cursor)
}

export const DEFAULT_VIEW: CustomerView = {
  search: "", status: [], plan: [], country: [], installed: {}, lastActive: {},
  sort: "INSTALLED_AT", dir: "DESC", size: 25, page: 1,
};

const list = (p: URLSearchParams, key: string): string[] => p.getAll(key).flatMap((v) => v.split(",")).filter(Boolean);

function parseRange(p: URLSearchParams, key: string): DayRange {
  const preset = p.get(key);
  if (preset && (DATE_PRESETS as readonly string[]).includes(preset)) return { preset: preset as DatePreset };
  const from = p.get(`${key}From`) ?? undefined;
  const to = p.get(`${key}To`) ?? undefined;
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/** The view a URL's query string describes (unknown values fall back to defaults). */
export function parseView(p: URLSearchParams): CustomerView {
  const sort = p.get("sort");
  const dir = p.get("dir");
  const size = Number(p.get("size"));
  const page = Number(p.get("page"));
  return {
    search: p.get("q") ?? "",
    status: list(p, "status").filter((s): s is Status => (STATUSES as readonly string[]).includes(s)),
    plan: p.getAll("plan").filter(Boolean),
    country: list(p, "country"),
    mrrMin: p.get("mrrMin") ?? undefined,
    mrrMax: p.get("mrrMax") ?? undefined,
    lastPaidMrrMin: p.get("lastPaidMrrMin") ?? undefined,
    installed: parseRange(p, "installed"),
    lastActive: parseRange(p, "lastActive"),
    segment: p.get("segment") ?? undefined,
    sort: sort && (SORT_FIELDS as readonly string[]).includes(sort) ? (sort as SortField) : DEFAULT_VIEW.sort,
    dir: dir === "ASC" || dir === "DESC" ? dir : sort ? "ASC" : DEFAULT_VIEW.dir,
    size: (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_VIEW.size,
    after: p.get("after") ?? undefined,
    before: p.get("before") ?? undefined,
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

function putRange(p: URLSearchParams, key: string, r: DayRange): void {
  if (r.preset) p.set(key, r.preset);
  if (r.from) p.set(`${key}From`, r.from);
  if (r.to) p.set(`${key}To`, r.to);
}

/** The query string of a view, defaults left out, in a stable order. */
export function viewToParams(v: CustomerView): URLSearchParams {
  const p = new URLSearchParams();
  if (v.search.trim()) p.set("q", v.search);
  if (v.status.length) p.set("status", v.status.join(","));
  for (const plan of v.plan) p.append("plan", plan);
  if (v.country.length) p.set("country", v.country.join(","));
  if (v.mrrMin) p.set("mrrMin", v.mrrMin);
  if (v.mrrMax) p.set("mrrMax", v.mrrMax);
  if (v.lastPaidMrrMin) p.set("lastPaidMrrMin", v.lastPaidMrrMin);
  putRange(p, "installed", v.installed);
  putRange(p, "lastActive", v.lastActive);
  if (v.segment) p.set("segment", v.segment);
  if (v.sort !== DEFAULT_VIEW.sort || v.dir !== DEFAULT_VIEW.dir) {
    p.set("sort", v.sort);
    p.set("dir", v.dir);
  }
  if (v.size !== DEFAULT_VIEW.size) p.set("size", String(v.size));
  if (v.after) p.set("after", v.after);
  if (v.before) p.set("before", v.before);
  if (v.page > 1) p.set("page", String(v.page));
  return p;
}

/** A changed view starts again at the first page (a cursor belongs to one filter/search/sort). */
export function withChange(v: CustomerView, change: Partial<CustomerView>): CustomerView {
  return { ...v, ...change, after: undefined, before: undefined, page: 1 };
}

/** Clicking a column header: sort by it ascending, or reverse it when it is already the sort. */
export function toggleSort(v: CustomerView, field: SortField): CustomerView {
  if (v.sort === field) return withChange(v, { dir: v.dir === "ASC" ? "DESC" : "ASC" });
  return withChange(v, { sort: field, dir: "ASC" });
}

/** The instants of a day range: a preset counts back from the API's clock (`nowIso`). */
export function rangeBounds(r: DayRange, nowIso: string): { from?: string; to?: string } {
  const days = r.preset ? presetRange(r.preset, nowIso) : r;
  const from = days.from ? dayToIso(days.from) ?? undefined : undefined;
  const to = days.to ? dayToIso(days.to, true) ?? undefined : undefined;
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/** The GraphQL `CustomerFilterInput` of a view (plain object; only set keys). */
export interface FilterInput {
  status?: Status[];
  plan?: string[];
  country?: string[];
  mrrMin?: string;
  mrrMax?: string;
  lastPaidMrrMin?: string;
  installedFrom?: string;
  installedTo?: string;
  lastActiveFrom?: string;
  lastActiveTo?: string;
  segment?: string;
}

export function toFilterInput(v: CustomerView, nowIso: string): FilterInput {
  const f: FilterInput = {};
  if (v.status.length) f.status = v.status;
  if (v.plan.length) f.plan = v.plan;
  if (v.country.length) f.country = v.country;
  if (v.mrrMin) f.mrrMin = v.mrrMin;
  if (v.mrrMax) f.mrrMax = v.mrrMax;
  if (v.lastPaidMrrMin) f.lastPaidMrrMin = v.lastPaidMrrMin;
  const inst = rangeBounds(v.installed, nowIso);
  if (inst.from) f.installedFrom = inst.from;
  if (inst.to) f.installedTo = inst.to;
  const act = rangeBounds(v.lastActive, nowIso);
  if (act.from) f.lastActiveFrom = act.from;
  if (act.to) f.lastActiveTo = act.to;
  if (v.segment) f.segment = v.segment;
  return f;
}

export const STATUS_LABELS: Record<Status, string> = {
  ACTIVE: "Active", TRIAL: "Trial", FROZEN: "Frozen", CANCELLED: "Cancelled", UNINSTALLED: "Uninstalled", FREE: "Free",
};
const PRESET_LABELS: Record<DatePreset, string> = { "7d": "last 7 days", "30d": "last 30 days", "90d": "last 90 days" };

/** A day range in words: "last 30 days", "1 Jan 2026 – 31 Jan 2026", "from 1 Jan 2026". */
export function describeRange(r: DayRange): string | null {
  if (r.preset) return PRESET_LABELS[r.preset];
  const from = r.from ? formatDate(`${r.from}T00:00:00Z`) : null;
  const to = r.to ? formatDate(`${r.to}T00:00:00Z`) : null;
  if (from && to) return `${from} – ${to}`;
  if (from) return `from ${from}`;
  if (to) return `until ${to}`;
  return null;
}

export interface Chip {
  key: string;
  label: string;
  without: CustomerView; // the view with this filter removed
}

/** The active filters as removable chips (segment names come from the caller). */
export function filterChips(v: CustomerView, currency = "USD", segmentName?: (key: string) => string): Chip[] {
  const chips: Chip[] = [];
  const money = (a: string) => formatMoney({ amount: a, currencyCode: currency });
  if (v.search.trim()) chips.push({ key: "q", label: `Search: “${v.search.trim()}”`, without: withChange(v, { search: "" }) });
  for (const s of v.status) {
    chips.push({ key: `status:${s}`, label: `Status: ${STATUS_LABELS[s]}`, without: withChange(v, { status: v.status.filter((x) => x !== s) }) });
  }
  for (const p of v.plan) {
    chips.push({ key: `plan:${p}`, label: `Plan: ${p}`, without: withChange(v, { plan: v.plan.filter((x) => x !== p) }) });
  }
  for (const c of v.country) {
    chips.push({ key: `country:${c}`, label: `Country: ${c}`, without: withChange(v, { country: v.country.filter((x) => x !== c) }) });
  }
  if (v.mrrMin && v.mrrMax) chips.push({ key: "mrr", label: `MRR ${money(v.mrrMin)} – ${money(v.mrrMax)}`, without: withChange(v, { mrrMin: undefined, mrrMax: undefined }) });
  else if (v.mrrMin) chips.push({ key: "mrr", label: `MRR ≥ ${money(v.mrrMin)}`, without: withChange(v, { mrrMin: undefined }) });
  else if (v.mrrMax) chips.push({ key: "mrr", label: `MRR ≤ ${money(v.mrrMax)}`, without: withChange(v, { mrrMax: undefined }) });
  if (v.lastPaidMrrMin) chips.push({ key: "lastPaid", label: `Paid before churn ≥ ${money(v.lastPaidMrrMin)}`, without: withChange(v, { lastPaidMrrMin: undefined }) });
  const inst = describeRange(v.installed);
  if (inst) chips.push({ key: "installed", label: `Installed: ${inst}`, without: withChange(v, { installed: {} }) });
  const act = describeRange(v.lastActive);
  if (act) chips.push({ key: "lastActive", label: `Last active: ${act}`, without: withChange(v, { lastActive: {} }) });
  if (v.segment) chips.push({ key: "segment", label: `Segment: ${segmentName ? segmentName(v.segment) : v.segment}`, without: withChange(v, { segment: undefined }) });
  return chips;
}
