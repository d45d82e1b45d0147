import { describe, expect, it } from "vitest";
import { formatMoney, formatMoneyList, formatPercent, parseAmountInput, splitDecimal } from "../money";

describe("formatMoney", () => {
  it("shows two decimals with the currency symbol and thousands separators", () => {
    expect(formatMoney({ amount: "1234.5", currencyCode: "USD" })).toBe("$1,234.50");
    expect(formatMoney({ amount: "29.00", currencyCode: "USD" })).toBe("$29.00");
    expect(formatMoney({ amount: "1000000", currencyCode: "EUR" })).toBe("€1,000,000.00");
  });
  it("rounds half-up on the digits, without floating point", () => {
    expect(formatMoney({ amount: "0.005", currencyCode: "USD" })).toBe("$0.01");
    expect(formatMoney({ amount: "0.004", currencyCode: "USD" })).toBe("$0.00");
    expect(formatMoney({ amount: "19.995", currencyCode: "USD" })).toBe("$20.00");
    expect(formatMoney({ amount: "999.999", currencyCode: "USD" })).toBe("$1,000.00");
    expect(formatMoney({ amount: "12345678901234567890.125", currencyCode: "USD" })).toBe("$12,345,678,901,234,567,890.13");
  });
  it("keeps the sign of negative amounts, but not of a rounded zero", () => {
    expect(formatMoney({ amount: "-10", currencyCode: "USD" })).toBe("-$10.00");
    expect(formatMoney({ amount: "-0.001", currencyCode: "USD" })).toBe("$0.00");
  });
  it("uses the code when the currency has no known symbol, and a dash for nothing", () => {
    expect(formatMoney({ amount: "5", currencyCode: "CAD" })).toBe("CA$5.00");
    expect(formatMoney({ amount: "5", currencyCode: "XYZ" })).toBe("XYZ5.00");
    expect(formatMoney(null)).toBe("—");
  });
  it("rejects text that is not a decimal", () => {
    expect(() => splitDecimal("12a")).toThrow();
    expect(() => splitDecimal("")).toThrow();
  });
});

describe("money lists and inputs", () => {
  it("never adds currencies together", () => {
    expect(formatMoneyList([{ amount: "10", currencyCode: "USD" }, { amount: "5", currencyCode: "EUR" }])).toBe("$10.00 · €5.00");
    expect(formatMoneyList([])).toBe("—");
  });
  it("reads typed amounts as decimal strings", () => {
    expect(parseAmountInput(" 1,200.50 ")).toBe("1200.50");
    expect(parseAmountInput("$49")).toBe("49");
    expect(parseAmountInput("abc")).toBeNull();
    expect(parseAmountInput("")).toBeNull();
  });
  it("shows ratios as percentages", () => {
    expect(formatPercent(0.8567)).toBe("85.7 %");
    expect(formatPercent(null)).toBe("—");
  });
});
