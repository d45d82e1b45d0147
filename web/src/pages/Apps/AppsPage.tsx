import { useState } from "preact/hooks";
import { graphql } from "../../__generated__";
import type { AppsPageQuery } from "../../__generated__/graphql";
import { ApiError, request } from "../../api/client";
import { useQuery } from "../../api/useQuery";
import { Layout } from "../../components/Layout";
import { Loading } from "../../components/Loading";
import { QueryError } from "../../components/QueryError";
import { formatDateTime } from "../../format/dates";
import { gidNumber } from "../../router";

const AppsQuery = graphql(`
  query AppsPage {
    apps {
      id
      name
      syncStatus {
        state
        lastSyncedAt
        lastError
        lastErrorPermanent
        progress
        eventsSynced
        transactionsSynced
      }
      customers(first: 0) {
        totalCount
      }
    }
  }
`);

const TriggerSync = graphql(`
  mutation TriggerSync($app: ID!) {
    triggerSync(appId: $app) {
      state
    }
  }
`);

type AppRow = AppsPageQuery["apps"][number];

function AppCard({ app, onSynced }: { app: AppRow; onSynced: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const s = app.syncStatus;
  const n = gidNumber(app.id);
  const running = s.state === "RUNNING" || s.state === "QUEUED";
  async function sync() {
    setBusy(true);
    setError(null);
    try {
      await request(TriggerSync, { app: app.id });
      onSynced();
    } catch (e) {
      setError(e instanceof ApiError ? `Sync could not be started: ${e.message}` : String(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <article class="card app-card" data-app={app.id}>
      <header class="card-head">
        <h2>{app.name}</h2>
        <span class={`badge sync-${s.state.toLowerCase()}`}>{s.state}</span>
      </header>
      <dl class="facts">
        <dt>Customers</dt>
        <dd>{app.customers.totalCount}</dd>
        <dt>Last sync</dt>
        <dd>{formatDateTime(s.lastSyncedAt)}</dd>
        <dt>Synced</dt>
        <dd>
          {s.eventsSynced} events, {s.transactionsSynced} transactions
        </dd>
        <dt>Last error</dt>
        <dd class={s.lastError ? "error-text" : undefined}>
          {s.lastError ?? "none"}
          {s.lastErrorPermanent && " (will not go away by retrying)"}
        </dd>
      </dl>
      {running && (
        <div class="progress-row">
          <label for={`progress-${n}`}>{s.state === "QUEUED" ? "Queued" : "Importing"}</label>
          <progress id={`progress-${n}`} max={1} value={s.progress ?? undefined} />
          <span>{s.progress !== null && s.progress !== undefined ? `${Math.round(s.progress * 100)} %` : ""}</span>
        </div>
      )}
      {error && (
        <p class="error-text" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <a class="button primary" href={`/apps/${n}/customers`}>
          Customers
        </a>
        <a class="button" href={`/apps/${n}/segments`}>
          Segments
        </a>
        <a class="button" href={`/apps/${n}/analytics`}>
          Analytics
        </a>
        <button type="button" onClick={sync} disabled={busy || running} aria-label={`Sync ${app.name} now`}>
          {busy ? "Starting…" : "Sync now"}
        </button>
      </div>
    </article>
  );
}

export function AppsPage() {
  const [poll, setPoll] = useState(false);
  const q = useQuery(AppsQuery, {}, { pollMs: poll ? 3000 : undefined });
  const anyRunning = q.data?.apps.some((a) => a.syncStatus.state === "RUNNING" || a.syncStatus.state === "QUEUED") ?? false;
  if (anyRunning !== poll) setPoll(anyRunning);
  return (
    <Layout current="apps">
      <h1>Apps</h1>
      {q.error && <QueryError error={q.error} retry={q.retry} what="your apps" />}
      {!q.data && q.loading && <Loading what="apps" />}
      {q.data && q.data.apps.length === 0 && <p class="empty">Your organization has no apps registered yet.</p>}
      <div class="card-grid">
        {q.data?.apps.map((a) => (
          <AppCard key={a.id} app={a} onSynced={q.retry} />
        ))}
      </div>
    </Layout>
  );
}
