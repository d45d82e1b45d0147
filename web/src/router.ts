// A small history router: the URL (path + query string) is the console's whole state.
import { useEffect, useState } from "preact/hooks";
import { markNavigation } from "./perf";

type Listener = () => void;
const listeners = new Set<Listener>();

function notify(): void {
  listeners.forEach((l) => l());
}

window.addEventListener("popstate", notify);

/** Go to `to` (path with query string); `replace` keeps the back button's history clean. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return;
  const path = to.split("?")[0];
  if (path !== location.pathname) markNavigation(path);
  if (options.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  notify();
}

export interface Location {
  path: string;
  params: URLSearchParams;
}

export function useLocation(): Location {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((t) => t + 1);
    listeners.add(l);
    return () => listeners.delete(l);
  }, []);
  return { path: location.pathname, params: new URLSearchParams(location.search) };
}

/** Intercept plain clicks on same-origin links so they navigate without a reload. */
export function handleLinkClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest?.("a");
  if (!anchor || anchor.target || anchor.hasAttribute("download") || anchor.origin !== location.origin) return;
  if (anchor.pathname.startsWith("/export/") || anchor.pathname.startsWith("/graphql")) return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
}

/** App gids appear in paths by number: gid://partners/App/101 <-> 101. */
export const appGid = (n: string) => `gid://partners/App/${n}`;
export const shopGid = (n: string) => `gid://partners/Shop/${n}`;
export const gidNumber = (gid: string) => gid.slice(gid.lastIndexOf("/") + 1);
