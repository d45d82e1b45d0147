import { useEffect } from "preact/hooks";
import { graphql } from "../../__generated__";
import type { TransactionKind } from "../../__generated__/graphql";
import { useQuery } from "../../api/useQuery";
import { Layout } from "../../components/Layout";
import { Loading } from "../../components/Loading";
import { QueryError } from "../../components/QueryError";
import { StatusBadge } from "../../components/StatusBadge";
import { formatDate } from "../../format/dates";
import { formatMoney } from "../../format/money";
import { appGid, navigate, shopGid } from "../../router";
import { MrrChart } from "./MrrChart";
import { Timeline } from "./Timeline";
import { KIND_LABELS, Transactions, type TxSort } from "./Transactions";

const ProfileQuery = graphql(`
  query CustomerProfile($app: ID!, $shop: ID!) {
    app(id: $app) {
      id
      name
      customer(shopId: $shop) {
        id
        shopId
        name
        domain
        avatarUrl
        email
        country
        shopifyPlan
        status
        plan
        billingInterval
        mrr {
          amount
          currencyCode
        }
        lastPaidMrr {
          amount
          currencyCode
        }
        lifetimeValue {
          amount
          currencyCode
        }
        lifetimeNet {
          amount
          currencyCode
        }
        installedAt
        uninstalledAt
        trialEndsAt
        customerSince
        daysAsCustomer
        lastActiveAt
        segments
        health {
          score
          grade
          factors {
            name
            impact
            detail
          }
        }
        mrrHistory(closeAtNow: true) {
          at
          plan
          kind
          annotation
          closing
          mrr {
            amount
            currencyCode
          }
        }
      }
    }
  }
`);

const TX_SORTS: TxSort[] = ["DATE_DESC", "DATE_ASC", "AMOUNT_DESC", "AMOUNT_ASC"];

function initials(name: string): string {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]!.toUpperCase()).join("") || "?";
}

export function CustomerPage({ appNumber, shopNumber, params }: { appNumber: string; shopNumber: string; params: URLSearchParams }) {
  const app = appGid(appNumber);
  const shop = shopGid(shopNumber);
  const q = useQuery(ProfileQuery, { app, shop });
  const c = q.data?.app?.customer;
  const txSort = (TX_SORTS as string[]).includes(params.get("txSort") ?? "") ? (params.get("txSort") as TxSort) : "DATE_DESC";
  const txKind = params.get("txKind") && params.get("txKind")! in KIND_LABELS ? (params.get("txKind") as TransactionKind) : undefined;
  const setParams = (change: Record<string, string | undefined>) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(change)) {
      if (v) p.set(k, v);
      else p.delete(k);
    }
    navigate(`/apps/${appNumber}/customers/${shopNumber}${p.toString() ? `?${p}` : ""}`, { replace: true });
  };
  useEffect(() => {
    document.title = `${c?.name ?? "Customer"} · Merchant CRM`;
  }, [c?.name]);

  return (
    <Layout appId={app} appName={q.data?.app?.name} current="customers">
      <p class="breadcrumb">
        <a href={`/apps/${appNumber}/customers`}>← Customers</a>
      </p>
      {q.error && <QueryError error={q.error} retry={q.retry} what="this customer" />}
      {!q.data && q.loading && <Loading what="customer" />}
      {q.data && !c && <p class="empty">No customer {shop} in this app.</p>}
      {c && (
        <>
          <header class="profile-head">
            {c.avatarUrl ? <img class="avatar" src={c.avatarUrl} alt="" width={56} height={56} /> : <span class="avatar" aria-hidden="true">{initials(c.name)}</span>}
            <div>
              <h1>
                {c.name} <StatusBadge status={c.status} />
              </h1>
              <p class="muted">
                {c.domain} · {c.email ?? "no email reported"} · customer since {formatDate(c.customerSince)}
                {c.country ? ` · ${c.country}` : ""}
              </p>
              {c.segments.length > 0 && <p class="small">Segments: {c.segments.join(", ")}</p>}
            </div>
          </header>
          <section class="metric-cards" aria-label="Key metrics">
            <div class="metric" data-metric="mrr">
              <span class="metric-label">MRR</span>
              <span class="metric-value">{formatMoney(c.mrr)}</span>
              {c.status !== "ACTIVE" && c.lastPaidMrr && <span class="muted small">paid {formatMoney(c.lastPaidMrr)} before</span>}
            </div>
            <div class="metric" data-metric="ltv">
              <span class="metric-label">Lifetime value</span>
              <span class="metric-value">{formatMoney(c.lifetimeValue)}</span>
              <span class="muted small">net {formatMoney(c.lifetimeNet)}</span>
            </div>
            <div class="metric" data-metric="days">
              <span class="metric-label">Days as customer</span>
              <span class="metric-value">{c.daysAsCustomer ?? "—"}</span>
            </div>
            <div class="metric" data-metric="plan">
              <span class="metric-label">Current plan</span>
              <span class="metric-value">{c.plan}</span>
              <span class="muted small">{c.billingInterval === "ANNUAL" ? "billed yearly" : c.billingInterval ? "billed every 30 days" : ""}</span>
            </div>
            <div class="metric" data-metric="health">
              <span class="metric-label">Health</span>
              <span class="metric-value">
                <span class={`grade grade-${c.health.grade.toLowerCase()}`}>{c.health.grade}</span> {c.health.score}
              </span>
              <details>
                <summary>Factors</summary>
                <ul class="factors">
                  {c.health.factors.map((f) => (
                    <li key={f.name}>
                      <span class={f.impact >= 0 ? "ok-text" : "error-text"}>{f.impact >= 0 ? `+${f.impact}` : f.impact}</span> {f.name}
                      {f.detail ? <span class="muted"> — {f.detail}</span> : null}
                    </li>
                  ))}
                </ul>
              </details>
            </div>
          </section>
          <section class="card" aria-labelledby="mrr-title">
            <h2 id="mrr-title">MRR over time</h2>
            <MrrChart points={c.mrrHistory} />
          </section>
          <div class="two-columns">
            <Timeline app={app} shop={shop} after={params.get("tlAfter") ?? undefined} before={params.get("tlBefore") ?? undefined}
              onPage={(p) => setParams({ tlAfter: p.after, tlBefore: p.before })} />
            <Transactions app={app} shop={shop} sort={txSort} kind={txKind}
              onChange={(ch) => setParams({ ...(ch.sort ? { txSort: ch.sort === "DATE_DESC" ? undefined : ch.sort } : {}), ...("kind" in ch ? { txKind: ch.kind || undefined } : {}) })} />
          </div>
        </>
      )}
    </Layout>
  );
}
