import { describe, expect, it } from "vitest";
import { describeEntry, entryIcon } from "../timeline";

describe("timeline sentences", () => {
  it("tells upgrades from downgrades with the MRR step", () => {
    const usd = (amount: string) => ({ amount, currencyCode: "USD" });
    expect(describeEntry({ type: "UPGRADED", plan: "Pro", mrrBefore: usd("19.00"), mrrAfter: usd("29.00") }))
      .toBe("Upgraded to Pro (MRR $19.00 → $29.00).");
    expect(describeEntry({ type: "DOWNGRADED", plan: "Basic", mrrBefore: usd("29.00"), mrrAfter: usd("10.00") }))
      .toBe("Downgraded to Basic (MRR $29.00 → $10.00).");
    expect(entryIcon("UPGRADED")).not.toBe(entryIcon("DOWNGRADED"));
  });
  it("keeps uninstall reasons and leaves out unchanged MRR", () => {
    expect(describeEntry({ type: "UNINSTALLED", detail: "Too expensive", mrrBefore: { amount: "0.00", currencyCode: "USD" }, mrrAfter: { amount: "0.00", currencyCode: "USD" } }))
      .toBe("Uninstalled the app: Too expensive.");
    expect(describeEntry({ type: "SOMETHING_NEW" })).toBe("something new.");
  });
});
