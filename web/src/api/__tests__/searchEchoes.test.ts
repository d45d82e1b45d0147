import { describe, expect, it } from "vitest";
import { SearchEchoes } from "../searchEchoes";

describe("SearchEchoes", () => {
  it("treats late echoes of our own navigations as echoes, in order", () => {
    const echoes = new SearchEchoes();
    echoes.pushed("own");
    echoes.pushed("owne");
    // "owner" is typed; the URL only now reports the first navigation: the box must keep "owner".
    expect(echoes.isEcho("own")).toBe(true);
    expect(echoes.isEcho("owne")).toBe(true);
  });

  it("lets an outside change through (the back button to an older search)", () => {
    const echoes = new SearchEchoes();
    echoes.pushed("own");
    expect(echoes.isEcho("own")).toBe(true);
    expect(echoes.isEcho("own")).toBe(false);
    expect(echoes.isEcho("")).toBe(false);
  });

  it("forgets pending echoes once the URL changes from elsewhere", () => {
    const echoes = new SearchEchoes();
    echoes.pushed("alp");
    expect(echoes.isEcho("")).toBe(false); // "clear filters"
    expect(echoes.isEcho("alp")).toBe(false);
  });

  it("skips echoes the router coalesced", () => {
    const echoes = new SearchEchoes();
    echoes.pushed("a");
    echoes.pushed("ab");
    echoes.pushed("abc");
    expect(echoes.isEcho("abc")).toBe(true);
    expect(echoes.isEcho("ab")).toBe(false);
  });
});
