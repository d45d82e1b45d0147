// Money as the API sends it: an exact decimal string ("1234.50") and an ISO 4217 code.
// Formatting works on the digits (no floating point), rounding half-up to 2 decimals.

export interface MoneyValue {
  amount: string;
  currencyCode: string;
}

const symbols = new Map<string, string>();

/** The currency's symbol in en-US ("$", "€", "CA$"); the code itself when Intl does not know it. */
export function currencySymbol(code: string): string {
  let symbol = symbols.get(code);
  if (symbol === undefined) {
    try {
      const parts = new Intl.NumberFormat("en-US", { style: "currency", currency: code }).formatToParts(0);
      symbol = parts.find((p) => p.type === "currency")?.value ?? code;
    } catch {
      symbol = code;
    }
    symbols.set(code, symbol);
  }
  return symbol;
}

/** "1234.5" → { negative: false, integer: "1234", cents: "50" } (half-up to two decimals). */
export function splitDecimal(amount: string): { negative: boolean; integer: string; cents: string } {
  const text = amount.trim();
  const match = /^([+-])?(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) throw new Error(`not a decimal amount: ${amount}`);
  const negative = match[1] === "-";
  let integer = (match[2] || "0").replace(/^0+(?=\d)/, "");
  const frac = (match[3] ?? "").padEnd(3, "0");
  let cents = Number(frac.slice(0, 2));
  if (Number(frac[2]) >= 5) cents += 1;
  if (cents === 100) {
    cents = 0;
    integer = addOne(integer);
  }
  const zero = /^0*$/.test(integer) && cents === 0;
  return { negative: negative && !zero, integer, cents: String(cents).padStart(2, "0") };
}

function addOne(digits: string): string {
  const out = digits.split("");
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] === "9") out[i] = "0";
    else {
      out[i] = String(Number(out[i]) + 1);
      return out.join("");
    }
  }
  return "1" + out.join("");
}

function group(integer: string): string {
  return integer.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** "$1,234.50", "-€10.00", "CA$0.00". */
export function formatMoney(value: MoneyValue | null | undefined): string {
  if (!value) return "—";
  const { negative, integer, cents } = splitDecimal(value.amount);
  return `${negative ? "-" : ""}${currencySymbol(value.currencyCode)}${group(integer)}.${cents}`;
}

/** Several currencies side by side, never added together: "$1,200.00 · €80.00"; "—" when empty. */
export function formatMoneyList(values: readonly MoneyValue[] | null | undefined): string {
  if (!values || values.length === 0) return "—";
  return values.map(formatMoney).join(" · ");
}

/** A decimal typed by a user ("1,200.5", " 49 ") as the API's decimal string, or null when it is not one. */
export function parseAmountInput(text: string): string | null {
  const cleaned = text.trim().replace(/,/g, "").replace(/^\$/, "");
  if (cleaned === "") return null;
  return /^\d+(\.\d+)?$/.test(cleaned) ? cleaned : null;
}

/** A ratio (1.0 = 100 %) as a percentage with one decimal; "—" when undefined. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return "—";
  return `${(ratio * 100).toFixed(1)} %`;
}
