// Performance API marks for the benchmarks (bench/bench_console.py reads window.__crmPerf).
interface PerfLog {
  navigations: { path: string; ms: number }[];
  searches: { text: string; ms: number }[];
}

declare global {
  interface Window {
    __crmPerf: PerfLog;
  }
}

window.__crmPerf = { navigations: [], searches: [] };
let navigationStart = 0; // performance.now() of the last in-app navigation (0 = the page load itself)
let pendingNavigation: string | null = location.pathname;
let pendingSearch: { text: string; at: number } | null = null;

export function markNavigation(path: string): void {
  navigationStart = performance.now();
  pendingNavigation = path;
  performance.mark("crm:navigate", { detail: path });
}

export function markSearchInput(text: string): void {
  pendingSearch = { text: text.trim(), at: performance.now() };
  performance.mark("crm:search-input", { detail: text });
}

/** The customer rows for `search` are on screen (called after the render that shows them). */
export function markRowsRendered(search: string): void {
  const navigation = pendingNavigation;
  const typed = pendingSearch;
  pendingNavigation = null;
  if (typed && typed.text === search.trim()) pendingSearch = null;
  // the rows are in the DOM; the next animation frame is when they are painted
  requestAnimationFrame(() => record(search, navigation, typed));
}

function record(search: string, pendingNav: string | null, typed: { text: string; at: number } | null): void {
  const now = performance.now();
  performance.mark("crm:rows-rendered");
  if (pendingNav !== null) window.__crmPerf.navigations.push({ path: pendingNav, ms: now - navigationStart });
  if (typed && typed.text === search.trim()) window.__crmPerf.searches.push({ text: typed.text, ms: now - typed.at });
}
