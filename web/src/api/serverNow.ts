// The API's clock ("now" may be frozen for demos and tests): relative ranges count back from it.
import { useEffect, useState } from "preact/hooks";
import { graphql } from "../__generated__";
import { request } from "./client";

const NowQuery = graphql(`
  query ServerNow {
    now
  }
`);

let cached: Promise<string> | null = null;

export function serverNow(): Promise<string> {
  if (!cached) {
    cached = request(NowQuery, {}).then((d) => d.now);
    cached.catch(() => (cached = null));
  }
  return cached;
}

/** The API's now (ISO), or undefined until it is known. */
export function useServerNow(): string | undefined {
  const [now, setNow] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    serverNow().then((n) => live && setNow(n), () => live && setNow(new Date().toISOString()));
    return () => {
      live = false;
    };
  }, []);
  return now;
}
