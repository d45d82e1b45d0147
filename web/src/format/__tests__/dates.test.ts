import { describe, expect, it } from "vitest";
import { dayToIso, formatDate, formatDateTime, formatRelative, presetRange } from "../dates";

describe("dates", () => {
  it("formats instants as UTC days and times", () => {
    expect(formatDate("2026-03-01T23:30:00Z")).toBe("1 Mar 2026");
    expect(formatDateTime("2026-01-05T10:02:00Z")).toBe("5 Jan 2026, 10:02 UTC");
    expect(formatDate(null)).toBe("—");
    expect(formatDate("not a date")).toBe("—");
  });
  it("counts relative days against the API's clock", () => {
    const now = "2026-03-01T00:00:00Z";
    expect(formatRelative("2026-03-01T00:00:00Z", now)).toBe("today");
    expect(formatRelative("2026-02-28T08:00:00Z", now)).toBe("today");
    expect(formatRelative("2026-02-27T08:00:00Z", now)).toBe("yesterday");
    expect(formatRelative("2026-02-19T00:00:00Z", now)).toBe("10 days ago");
    expect(formatRelative("2026-03-04T00:00:00Z", now)).toBe("in 3 days");
  });
  it("turns date inputs into inclusive day bounds", () => {
    expect(dayToIso("2026-01-31")).toBe("2026-01-31T00:00:00.000Z");
    expect(dayToIso("2026-01-31", true)).toBe("2026-01-31T23:59:59.999Z");
    expect(dayToIso("2026-13-01")).toBeNull();
    expect(dayToIso("yesterday")).toBeNull();
  });
  it("counts presets back from now, today included", () => {
    expect(presetRange("7d", "2026-03-01T12:00:00Z")).toEqual({ from: "2026-02-23", to: "2026-03-01" });
    expect(presetRange("30d", "2026-03-01T00:00:00Z")).toEqual({ from: "2026-01-31", to: "2026-03-01" });
    expect(presetRange("12m", "2026-03-01T00:00:00Z")).toEqual({ from: "2025-03-02", to: "2026-03-01" });
  });
});
