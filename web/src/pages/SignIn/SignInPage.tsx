import { useState } from "preact/hooks";
import { graphql } from "../../__generated__";
import { ApiError, request } from "../../api/client";
import { setKey } from "../../api/session";
import { navigate } from "../../router";

const CheckKey = graphql(`
  query CheckKey {
    apps {
      id
    }
  }
`);

export function SignInPage({ params }: { params: URLSearchParams }) {
  const [key, setKeyText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reason = params.get("reason");
  const next = params.get("next");

  async function submit(event: Event) {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError("Enter an API key.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await request(CheckKey, {}, trimmed);
      setKey(trimmed);
      navigate(next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/signin") ? next : "/apps");
    } catch (e) {
      setError(
        e instanceof ApiError && e.code === "UNAUTHENTICATED"
          ? "That API key was not accepted: check it, or create a new one with `python -m crm_gateway keys create`."
          : `Could not sign in: ${e instanceof Error ? e.message : String(e)}`,
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="signin">
      <h1>Merchant CRM</h1>
      <form onSubmit={submit} class="card signin-card" aria-describedby={error ? "signin-error" : undefined}>
        <h2>Sign in</h2>
        {reason === "expired" && (
          <p class="notice" role="status">
            Your key is no longer accepted (expired or revoked). Sign in again.
          </p>
        )}
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          value={key}
          onInput={(e) => setKeyText((e.currentTarget as HTMLInputElement).value)}
          placeholder="crm_…"
        />
        <p class="muted small">The key is kept in this tab's session storage only, never in a link.</p>
        {error && (
          <p id="signin-error" class="error-text" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Checking…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
