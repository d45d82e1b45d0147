// The one way the console talks to the API: POST /graphql with the session's key.
import type { TypedDocumentString } from "../__generated__/graphql";
import { clearKey, getKey } from "./session";

export class ApiError extends Error {
  constructor(message: string, readonly code: string, readonly operation: string) {
    super(message);
  }
}

type Listener = () => void;
const unauthenticatedListeners = new Set<Listener>();

/** Called when the API rejects the key (expired or revoked): the router sends the user to sign in. */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

function operationName(query: string): string {
  return /(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? "request";
}

/** Run one operation; throws ApiError with the API's `extensions.code` (or NETWORK / HTTP_nnn). */
export async function request<R, V>(
  document: TypedDocumentString<R, V>,
  variables?: V,
  key: string | null = getKey(),
): Promise<R> {
  const query = document.toString();
  const name = operationName(query);
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/graphql-response+json, application/json",
        ...(key ? { Authorization: `Bearer ${key}` } : {}),
      },
      body: JSON.stringify({ query, variables: variables ?? {} }),
    });
  } catch {
    throw new ApiError("The server could not be reached.", "NETWORK", name);
  }
  let body: { data?: R; errors?: { message: string; extensions?: { code?: string } }[] } | null = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const first = body?.errors?.[0];
  if (first) {
    const code = first.extensions?.code ?? `HTTP_${response.status}`;
    if (code === "UNAUTHENTICATED") {
      clearKey();
      unauthenticatedListeners.forEach((l) => l());
    }
    throw new ApiError(first.message, code, name);
  }
  if (!response.ok || !body?.data) {
    throw new ApiError(`The server answered ${response.status}.`, `HTTP_${response.status}`, name);
  }
  return body.data;
}
