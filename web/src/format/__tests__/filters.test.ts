import { describe, expect, it } from "vitest";
import { DEFAULT_VIEW, filterChips, parseView, toFilterInput, toggleSort, viewToParams, withChange } from "../filters";

const NOW = "2026-03-01T00:00:00Z";

describe("the customer view in the URL", () => {
  it("round-trips through the query string and leaves defaults out", () => {
    const view = withChange(DEFAULT_VIEW, {
      search: "alp", status: ["ACTIVE", "TRIAL"], plan: ["Pro", "Pro, Max"], country: ["US"], mrrMin: "10",
      installed: { preset: "30d" }, lastActive: { from: "2026-01-01", to: "2026-01-31" }, segment: "VIP",
      sort: "MRR", dir: "DESC", size: 50,
    });
    const params = viewToParams(view);
    expect(params.toString()).toBe(
      "q=alp&status=ACTIVE%2CTRIAL&plan=Pro&plan=Pro%2C+Max&country=US&mrrMin=10&installed=30d&lastActiveFrom=2026-01-01" +
        "&lastActiveTo=2026-01-31&segment=VIP&sort=MRR&dir=DESC&size=50",
    );
    expect(parseView(params)).toEqual(view);
    expect(viewToParams(DEFAULT_VIEW).toString()).toBe("");
  });
  it("ignores unknown values instead of failing", () => {
    const v = parseView(new URLSearchParams("status=ACTIVE,BOGUS&sort=NOPE&size=7&page=-2"));
    expect(v.status).toEqual(["ACTIVE"]);
    expect(v.sort).toBe("INSTALLED_AT");
    expect(v.size).toBe(25);
    expect(v.page).toBe(1);
  });
  it("sorts by a clicked column ascending, then reverses it, back on page one", () => {
    const paged = { ...DEFAULT_VIEW, after: "c", page: 3 };
    const once = toggleSort(paged, "MRR");
    expect([once.sort, once.dir, once.after, once.page]).toEqual(["MRR", "ASC", undefined, 1]);
    expect(toggleSort(once, "MRR").dir).toBe("DESC");
  });
});

describe("the GraphQL filter of a view", () => {
  it("makes inclusive UTC bounds, presets counted from the API's clock", () => {
    const v = withChange(DEFAULT_VIEW, {
      status: ["CANCELLED"], lastPaidMrrMin: "50", installed: { preset: "7d" }, lastActive: { to: "2026-02-01" },
    });
    expect(toFilterInput(v, NOW)).toEqual({
      status: ["CANCELLED"], lastPaidMrrMin: "50",
      installedFrom: "2026-02-23T00:00:00.000Z", installedTo: "2026-03-01T23:59:59.999Z",
      lastActiveTo: "2026-02-01T23:59:59.999Z",
    });
    expect(toFilterInput(DEFAULT_VIEW, NOW)).toEqual({});
  });
});

describe("filter chips", () => {
  it("describes every active filter and removes exactly one", () => {
    const v = withChange(DEFAULT_VIEW, {
      status: ["ACTIVE", "FROZEN"], mrrMin: "10", mrrMax: "49.5", installed: { from: "2026-01-01" }, segment: "saved:eu",
    });
    const chips = filterChips(v, "USD", (k) => (k === "saved:eu" ? "EU shops" : k));
    expect(chips.map((c) => c.label)).toEqual([
      "Status: Active", "Status: Frozen", "MRR $10.00 – $49.50", "Installed: from 1 Jan 2026", "Segment: EU shops",
    ]);
    expect(chips[1].without.status).toEqual(["ACTIVE"]);
    expect(chips[2].without.mrrMin).toBeUndefined();
    expect(chips[2].without.status).toEqual(["ACTIVE", "FROZEN"]);
  });
});
