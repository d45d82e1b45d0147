import type { ApiError } from "../api/client";

/** What failed, in words, with a retry button. */
export function QueryError({ error, retry, what }: { error: ApiError; retry?: () => void; what: string }) {
  return (
    <div class="error-box" role="alert">
      <p>
        <strong>Could not load {what}.</strong> {error.message} <span class="muted">({error.code})</span>
      </p>
      {retry && (
        <button type="button" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}
