import { useEffect } from "preact/hooks";
import { graphql } from "../../__generated__";
import type { Interval } from "../../__generated__/graphql";
import { useServerNow } from "../../api/serverNow";
import { useQuery } from "../../api/useQuery";
import { Layout } from "../../components/Layout";
import { Loading } from "../../components/Loading";
import { QueryError } from "../../components/QueryError";
import { dayToIso, formatDate, presetRange, RANGE_PRESETS, type RangePreset } from "../../format/dates";
import { formatMoneyList, formatPercent } from "../../format/money";
import { appGid, navigate } from "../../router";
import { AcquisitionChart } from "./AcquisitionChart";
import { CohortHeatMap } from "./CohortHeatMap";
import { PaidCohortTable } from "./PaidCohortTable";
import { MovementsChart, MrrChart } from "./RevenueCharts";

const AnalyticsQuery = graphql(`
  query AnalyticsPage($app: ID!, $from: DateTime, $to: DateTime, $interval: Interval!) {
    app(id: $app) {
      id
      name
      analytics(from: $from, to: $to) {
        from
        to
        totalMrr { amount currencyCode }
        averageMrr { amount currencyCode }
        activeCustomers
        trialCustomers
        newCustomers
        newCustomersToday
        newCustomersThisWeek
        churnedCustomers
        reactivatedCustomers
        installs
        uninstalls
        growthRate
        logoRetentionRate
        reactivationRate
        averageLifetimeDays
        averageLifetimeInRangeDays
        expansionRevenue { amount currencyCode }
        netRevenueRetention { currencyCode value }
        grossRevenueRetention { currencyCode value }
        movements { kind amount { amount currencyCode } }
        retentionWindows {
          days
          currencyCode
          startCustomers
          retainedCustomers
          logoRetention
          netRevenueRetention
          grossRevenueRetention
          reactivationRate
        }
        cohortRows {
          installMonth { cohort size everPaid installed paying }
          firstPaidMonth { cohort currencyCode size paying mrr { amount currencyCode } }
        }
      }
      acquisitionSeries(from: $from, to: $to, interval: $interval) {
        start
        end
        installs
        newCustomers
        uninstalls
      }
      revenueSeries(from: $from, to: $to, interval: $interval) {
        currencyCode
        points {
          start
          end
          payingCustomers
          mrr { amount currencyCode }
          movements {
            new { amount currencyCode }
            expansion { amount currencyCode }
            contraction { amount currencyCode }
            churn { amount currencyCode }
            reactivation { amount currencyCode }
            net { amount currencyCode }
          }
        }
      }
    }
  }
`);

const INTERVALS: Interval[] = ["DAY", "WEEK", "MONTH"];
const DEFAULT_INTERVAL: Record<RangePreset, Interval> = { "7d": "DAY", "30d": "DAY", "90d": "WEEK", "12m": "MONTH" };

function ratios(list: { currencyCode: string; value?: number | null }[]): string {
  return list.length ? list.map((r) => `${formatPercent(r.value)} ${r.currencyCode}`).join(" · ") : "—";
}

function Metric({ id, label, value, hint }: { id: string; label: string; value: string | number; hint?: string }) {
  return (
    <div class="metric" data-metric={id}>
      <span class="metric-label">{label}</span>
      <span class="metric-value">{value}</span>
      {hint && <span class="muted small">{hint}</span>}
    </div>
  );
}

export function AnalyticsPage({ appNumber, params }: { appNumber: string; params: URLSearchParams }) {
  const app = appGid(appNumber);
  const now = useServerNow();
  const rangeParam = params.get("range");
  const preset: RangePreset | "custom" = rangeParam === "custom" || RANGE_PRESETS.some((p) => p.key === rangeParam) ? (rangeParam as RangePreset | "custom") : "30d";
  const intervalParam = params.get("interval") as Interval | null;
  const interval: Interval = intervalParam && INTERVALS.includes(intervalParam) ? intervalParam : preset === "custom" ? "DAY" : DEFAULT_INTERVAL[preset];
  const days = preset === "custom"
    ? { from: params.get("from") ?? "", to: params.get("to") ?? "" }
    : now ? presetRange(preset, now) : { from: "", to: "" };
  const from = dayToIso(days.from) ?? undefined;
  const to = preset === "custom" ? dayToIso(days.to, true) ?? undefined : now;
  const set = (change: Record<string, string | undefined>) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(change)) {
      if (v) p.set(k, v);
      else p.delete(k);
    }
    navigate(`/apps/${appNumber}/analytics?${p}`);
  };
  const q = useQuery(AnalyticsQuery, { app, from: from ?? null, to: to ?? null, interval }, { skip: !now || !from });
  const a = q.data?.app?.analytics;
  useEffect(() => {
    document.title = `Analytics${q.data?.app ? ` · ${q.data.app.name}` : ""} · Merchant CRM`;
  }, [q.data?.app?.name]);
  return (
    <Layout appId={app} appName={q.data?.app?.name} current="analytics">
      <div class="page-head">
        <h1>Analytics</h1>
        <div class="range-controls" role="group" aria-label="Date range">
          {RANGE_PRESETS.map((p) => (
            <button key={p.key} type="button" class="chip-button" aria-pressed={preset === p.key}
              onClick={() => set({ range: p.key, from: undefined, to: undefined, interval: undefined })}>
              {p.label}
            </button>
          ))}
          <button type="button" class="chip-button" aria-pressed={preset === "custom"}
            onClick={() => set({ range: "custom", from: days.from, to: days.to })}>
            Custom
          </button>
          {preset === "custom" && (
            <>
              <label>From <input type="date" name="range-from" value={days.from} onChange={(e) => set({ from: (e.currentTarget as HTMLInputElement).value })} /></label>
              <label>To <input type="date" name="range-to" value={days.to} onChange={(e) => set({ to: (e.currentTarget as HTMLInputElement).value })} /></label>
            </>
          )}
          <label>
            Per{" "}
            <select name="interval" value={interval} onChange={(e) => set({ interval: (e.currentTarget as HTMLSelectElement).value })}>
              <option value="DAY">day</option>
              <option value="WEEK">week</option>
              <option value="MONTH">month</option>
            </select>
          </label>
        </div>
      </div>
      {preset === "custom" && !from && <p class="notice">Choose a start day for the custom range.</p>}
      {q.error && <QueryError error={q.error} retry={q.retry} what="analytics" />}
      {!a && q.loading && <Loading what="analytics" />}
      {a && q.data?.app && (
        <>
          <p class="muted" data-testid="range">
            {formatDate(a.from)} – {formatDate(a.to)}
          </p>
          <h2>Acquisition</h2>
          <section class="metric-cards" aria-label="Acquisition">
            <Metric id="new-customers" label="New customers" value={a.newCustomers} hint={`${a.installs} installs, ${a.uninstalls} uninstalls`} />
            <Metric id="new-today" label="New today" value={a.newCustomersToday} />
            <Metric id="new-this-week" label="New this week" value={a.newCustomersThisWeek} />
            <Metric id="growth" label="Growth rate" value={formatPercent(a.growthRate)} hint="paying customers, end vs start" />
          </section>
          <AcquisitionChart points={q.data.app.acquisitionSeries} interval={interval} />
          <h2>Retention</h2>
          <section class="metric-cards" aria-label="Retention">
            <Metric id="active" label="Active (paying)" value={a.activeCustomers} hint={`${a.trialCustomers} in trial`} />
            <Metric id="lifetime" label="Average lifetime" value={a.averageLifetimeInRangeDays === null || a.averageLifetimeInRangeDays === undefined ? "—" : `${a.averageLifetimeInRangeDays.toFixed(1)} days`}
              hint={`customers paying in the range; all-time ${a.averageLifetimeDays === null || a.averageLifetimeDays === undefined ? "—" : `${a.averageLifetimeDays.toFixed(1)} days`}`} />
            <Metric id="reactivation" label="Reactivation rate" value={formatPercent(a.reactivationRate)} hint={`${a.reactivatedCustomers} reactivated, ${a.churnedCustomers} churned`} />
          </section>
          <table class="data-table retention-table">
            <caption>Logo retention over trailing windows (as of the last analytics run)</caption>
            <thead>
              <tr><th scope="col">Window</th><th scope="col">Currency</th><th scope="col" class="num">Paying at start</th><th scope="col" class="num">Still paying</th><th scope="col" class="num">Logo retention</th><th scope="col" class="num">NRR</th><th scope="col" class="num">GRR</th></tr>
            </thead>
            <tbody>
              {a.retentionWindows.length === 0 && <tr><td colSpan={7} class="muted">No retention figures yet.</td></tr>}
              {a.retentionWindows.map((r) => (
                <tr key={`${r.days}-${r.currencyCode}`} data-window={r.days}>
                  <td>{r.days} days</td><td>{r.currencyCode}</td><td class="num">{r.startCustomers}</td><td class="num">{r.retainedCustomers}</td>
                  <td class="num">{formatPercent(r.logoRetention)}</td><td class="num">{formatPercent(r.netRevenueRetention)}</td><td class="num">{formatPercent(r.grossRevenueRetention)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Revenue</h2>
          <section class="metric-cards" aria-label="Revenue">
            <Metric id="total-mrr" label="MRR" value={formatMoneyList(a.totalMrr)} />
            <Metric id="arppu" label="ARPPU" value={formatMoneyList(a.averageMrr)} />
            <Metric id="nrr" label="Net revenue retention" value={ratios(a.netRevenueRetention)} />
            <Metric id="grr" label="Gross revenue retention" value={ratios(a.grossRevenueRetention)} />
            <Metric id="expansion" label="Expansion revenue" value={formatMoneyList(a.expansionRevenue)} />
          </section>
          {q.data.app.revenueSeries.length === 0 && <p class="empty">No revenue in this range.</p>}
          {q.data.app.revenueSeries.map((s) => (
            <div key={s.currencyCode} class="two-columns">
              <MrrChart series={s} />
              <MovementsChart series={s} />
            </div>
          ))}
          <h2>Cohorts</h2>
          <h3>By install month</h3>
          <CohortHeatMap rows={a.cohortRows.installMonth} />
          <h3>By first paid month</h3>
          <PaidCohortTable rows={a.cohortRows.firstPaidMonth} />
        </>
      )}
    </Layout>
  );
}
