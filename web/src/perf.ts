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
  const now = performance.now();
  performance.mark("crm:rows-rendered");
  if (pendingNavigation !== null) {
    window.__crmPerf.navigations.push({ path: pendingNavigation, ms: now - navigationStart });
    pendingNavigation = null;
  }
  if (pendingSearch && pendingSearch.text === search.trim()) {
    window.__crmPerf.searches.push({ text: pendingSearch.text, ms: now - pendingSearch.at });
    pendingSearch = null;
  }
}
