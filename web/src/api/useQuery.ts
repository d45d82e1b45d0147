// Data for a screen: loading, error with retry, and the last good data kept while a new request runs.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { TypedDocumentString } from "../__generated__/graphql";
import { ApiError, request } from "./client";

export interface QueryState<R> {
  data: R | undefined;
  error: ApiError | undefined;
  loading: boolean;
  retry: () => void;
  /** The variables the shown data was fetched with (JSON), to tell stale data from fresh. */
  dataKey: string | undefined;
}

export function useQuery<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V,
  options: { skip?: boolean; pollMs?: number } = {},
): QueryState<R> {
  const key = JSON.stringify(variables);
  const [state, setState] = useState<{ data?: R; dataKey?: string; error?: ApiError; loading: boolean }>({ loading: !options.skip });
  const [attempt, setAttempt] = useState(0);
  const seq = useRef(0);
  const fetched = useRef<string | null>(null);
  useEffect(() => {
    if (options.skip) return;
    const request_key = `${attempt}|${key}`;
    if (fetched.current === request_key) return; // un-skipping with the same variables: nothing new to ask
    fetched.current = request_key;
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    request(document, variables).then(
      (data) => mine === seq.current && setState({ data, dataKey: key, loading: false }),
      (error: unknown) =>
        mine === seq.current &&
        setState((s) => ({
          ...s,
          loading: false,
          error: error instanceof ApiError ? error : new ApiError(String(error), "INTERNAL", "request"),
        })),
    );
  }, [key, attempt, options.skip]);
  useEffect(() => {
    if (!options.pollMs) return;
    const timer = window.setInterval(() => setAttempt((a) => a + 1), options.pollMs);
    return () => window.clearInterval(timer);
  }, [options.pollMs]);
  const retry = useCallback(() => setAttempt((a) => a + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, retry, dataKey: state.dataKey };
}
