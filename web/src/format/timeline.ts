// A timeline entry as an icon and a sentence.
import { formatMoney, type MoneyValue } from "./money";

export interface EntryLike {
  type: string;
  plan?: string | null;
  mrrBefore?: MoneyValue | null;
  mrrAfter?: MoneyValue | null;
  detail?: string | null;
}

const ICONS: Record<string, string> = {
  INSTALLED: "⬇", REINSTALLED: "⟳", UNINSTALLED: "✕", STORE_CLOSED: "⏸", STORE_REOPENED: "▶",
  TRIAL_STARTED: "⏳", TRIAL_CONVERTED: "★", SUBSCRIBED: "★", UPGRADED: "▲", DOWNGRADED: "▼", PLAN_CHANGED: "⇄",
  FROZEN: "❄", UNFROZEN: "☀", CANCELLED: "⊘", CHARGE_DECLINED: "!", CHARGE_EXPIRED: "⌛", REACTIVATED: "↺",
  ONE_TIME_CHARGE: "$", USAGE_CHARGE: "Σ", CREDIT: "↩",
};

export function entryIcon(type: string): string {
  return ICONS[type] ?? "•";
}

function step(e: EntryLike): string {
  if (!e.mrrBefore || !e.mrrAfter || e.mrrBefore.amount === e.mrrAfter.amount) return "";
  return ` (MRR ${formatMoney(e.mrrBefore)} → ${formatMoney(e.mrrAfter)})`;
}

/** "Upgraded to Pro (MRR $19.00 → $29.00)." */
export function describeEntry(e: EntryLike): string {
  const plan = e.plan ? ` ${e.plan}` : "";
  const detail = e.detail ? `: ${e.detail}` : "";
  switch (e.type) {
    case "INSTALLED": return "Installed the app.";
    case "REINSTALLED": return "Reinstalled the app.";
    case "UNINSTALLED": return `Uninstalled the app${detail}${step(e)}.`;
    case "STORE_CLOSED": return `The store closed${step(e)}.`;
    case "STORE_REOPENED": return `The store reopened${step(e)}.`;
    case "TRIAL_STARTED": return `Started a trial of${plan || " a plan"}.`;
    case "TRIAL_CONVERTED": return `Trial converted: now paying for${plan || " the plan"}${step(e)}.`;
    case "SUBSCRIBED": return `Subscribed to${plan || " a plan"}${step(e)}.`;
    case "UPGRADED": return `Upgraded to${plan}${step(e)}.`;
    case "DOWNGRADED": return `Downgraded to${plan}${step(e)}.`;
    case "PLAN_CHANGED": return `Changed plan to${plan}${step(e)}.`;
    case "FROZEN": return `Subscription frozen${step(e)}.`;
    case "UNFROZEN": return `Subscription unfrozen${step(e)}.`;
    case "CANCELLED": return `Cancelled${plan}${step(e)}.`;
    case "CHARGE_DECLINED": return `A charge for${plan || " a plan"} was declined.`;
    case "CHARGE_EXPIRED": return `A charge for${plan || " a plan"} expired.`;
    case "REACTIVATED": return `Came back on${plan || " a plan"}${step(e)}.`;
    case "ONE_TIME_CHARGE": return `One-time charge${detail}.`;
    case "USAGE_CHARGE": return `Usage charge${detail}.`;
    case "CREDIT": return `Credit applied${detail}.`;
    default: return `${e.type.toLowerCase().replace(/_/g, " ")}${detail}.`;
  }
}
