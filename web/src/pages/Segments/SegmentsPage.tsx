import { useEffect, useState } from "preact/hooks";
import { graphql } from "../../__generated__";
import type { SegmentsPageQuery } from "../../__generated__/graphql";
import { ApiError, request } from "../../api/client";
import { useQuery } from "../../api/useQuery";
import { Layout } from "../../components/Layout";
import { Loading } from "../../components/Loading";
import { QueryError } from "../../components/QueryError";
import { formatDate } from "../../format/dates";
import { formatMoney } from "../../format/money";
import { appGid } from "../../router";

const SegmentsQuery = graphql(`
  query SegmentsPage($app: ID!) {
    app(id: $app) {
      id
      name
      segments {
        key
        name
        builtIn
        definition
        liveDefinition
        count
        createdAt
        thresholds {
          currencyCode
          percentile
          bound
          population
          mrr {
            amount
            currencyCode
          }
        }
      }
    }
  }
`);

const DeleteSegment = graphql(`
  mutation DeleteSegment($app: ID!, $key: String!) {
    deleteSegment(appId: $app, key: $key)
  }
`);

type Segment = NonNullable<SegmentsPageQuery["app"]>["segments"][number];

/** "VIP: MRR ≥ $49.00, top 20 %" — the thresholds of a pre-built segment in one line per currency. */
export function thresholdSummary(s: Segment): string[] {
  const byCurrency = new Map<string, Segment["thresholds"]>();
  for (const t of s.thresholds) byCurrency.set(t.currencyCode, [...(byCurrency.get(t.currencyCode) ?? []), t]);
  return [...byCurrency.values()].map((ts) => {
    const min = ts.find((t) => t.bound === "MIN");
    const max = ts.find((t) => t.bound === "MAX");
    if (min && max) return `${s.name}: MRR ≥ ${formatMoney(min.mrr)} and < ${formatMoney(max.mrr)} (percentiles ${min.percentile}–${max.percentile} of ${min.population} active)`;
    if (min) return `${s.name}: MRR ≥ ${formatMoney(min.mrr)}, top ${100 - min.percentile} % (of ${min.population} active)`;
    return `${s.name}: MRR < ${formatMoney(max!.mrr)}`;
  });
}

export function SegmentsPage({ appNumber }: { appNumber: string }) {
  const app = appGid(appNumber);
  const q = useQuery(SegmentsQuery, { app });
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    document.title = `Segments${q.data?.app ? ` · ${q.data.app.name}` : ""} · Merchant CRM`;
  }, [q.data?.app?.name]);
  async function remove(s: Segment) {
    if (!window.confirm(`Delete the segment “${s.name}”?`)) return;
    try {
      await request(DeleteSegment, { app, key: s.key });
      setMessage({ ok: true, text: `Deleted “${s.name}”.` });
      q.retry();
    } catch (e) {
      setMessage({ ok: false, text: e instanceof ApiError ? `Could not delete “${s.name}”: ${e.message}` : String(e) });
    }
  }
  const segments = q.data?.app?.segments ?? [];
  return (
    <Layout appId={app} appName={q.data?.app?.name} current="segments">
      <h1>Segments</h1>
      <p class="muted">
        Save a segment from the <a href={`/apps/${appNumber}/customers`}>customer list</a>: filter it, then “Save as segment…”.
      </p>
      {message && <p role="status" class={message.ok ? "ok-text" : "error-text"}>{message.text}</p>}
      {q.error && <QueryError error={q.error} retry={q.retry} what="segments" />}
      {!q.data && q.loading && <Loading what="segments" />}
      {q.data && (
        <table class="data-table segments-table">
          <caption class="sr-only">Segments</caption>
          <thead>
            <tr>
              <th scope="col">Segment</th>
              <th scope="col" class="num">Customers</th>
              <th scope="col">Definition</th>
              <th scope="col"><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {segments.map((s) => (
              <tr key={s.key} data-segment={s.key}>
                <td>
                  <strong>{s.name}</strong>
                  <div class="muted small">{s.builtIn ? "built in" : `saved ${formatDate(s.createdAt)}`}</div>
                </td>
                <td class="num" data-col="count">{s.count}</td>
                <td>
                  {thresholdSummary(s).map((line) => (
                    <div key={line} class="threshold">{line}</div>
                  ))}
                  <div class="definition">{s.liveDefinition}</div>
                </td>
                <td class="actions-cell">
                  <a class="button" href={`/apps/${appNumber}/customers?segment=${encodeURIComponent(s.key)}`}>
                    View customers
                  </a>
                  {!s.builtIn && (
                    <button type="button" class="danger" onClick={() => remove(s)} aria-label={`Delete segment ${s.name}`}>
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
