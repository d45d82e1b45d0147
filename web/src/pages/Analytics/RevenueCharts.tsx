import type { AnalyticsPageQuery } from "../../__generated__/graphql";
import { ChartCanvas, PALETTE } from "../../components/Chart";
import { formatDate } from "../../format/dates";
import { formatMoney } from "../../format/money";

type Series = NonNullable<AnalyticsPageQuery["app"]>["revenueSeries"][number];
const KINDS = ["new", "expansion", "reactivation", "contraction", "churn"] as const;
const KIND_LABELS = { new: "New", expansion: "Expansion", reactivation: "Reactivation", contraction: "Contraction", churn: "Churn" };
const KIND_COLORS = { new: PALETTE[0], expansion: PALETTE[1], reactivation: PALETTE[5], contraction: PALETTE[4], churn: PALETTE[2] };

const day = (d: string) => formatDate(`${d}T00:00:00Z`);

export function MrrChart({ series }: { series: Series }) {
  const cur = series.currencyCode;
  const last = series.points[series.points.length - 1];
  return (
    <section class="card" aria-labelledby={`mrr-${cur}`}>
      <h3 id={`mrr-${cur}`}>MRR in {cur} <span class="muted small" data-testid={`mrr-end-${cur}`}>{last ? formatMoney(last.mrr) : ""} at the end</span></h3>
      <ChartCanvas testId={`mrr-chart-${cur}`} label={`Total MRR in ${cur} over the range`} config={{
        type: "line",
        data: { labels: series.points.map((p) => day(p.end)), datasets: [
          { label: `MRR (${cur})`, data: series.points.map((p) => Number(p.mrr.amount)), borderColor: PALETTE[0], backgroundColor: "rgba(37,99,235,.12)", fill: true, pointRadius: 2 },
        ] },
        options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { callback: (v) => formatMoney({ amount: String(v), currencyCode: cur }) } } } },
      }} />
    </section>
  );
}

export function MovementsChart({ series }: { series: Series }) {
  const cur = series.currencyCode;
  const num = (m: { amount: string }) => Number(m.amount);
  return (
    <section class="card" aria-labelledby={`moves-${cur}`}>
      <h3 id={`moves-${cur}`}>MRR movements in {cur}</h3>
      <ChartCanvas testId={`movements-chart-${cur}`} label={`Stacked MRR movements in ${cur}: new, expansion, reactivation, contraction, churn`} config={{
        type: "bar",
        data: { labels: series.points.map((p) => day(p.start)), datasets: KINDS.map((k) => ({
          label: KIND_LABELS[k], data: series.points.map((p) => num(p.movements[k])), backgroundColor: KIND_COLORS[k], stack: "moves",
        })) },
        options: { scales: { x: { stacked: true }, y: { stacked: true, ticks: { callback: (v) => formatMoney({ amount: String(v), currencyCode: cur }) } } } },
      }} />
      <details class="data-details">
        <summary>Data</summary>
        <table class={`data-table movements-table`} data-currency={cur}>
          <thead><tr><th scope="col">From</th>{KINDS.map((k) => <th key={k} scope="col" class="num">{KIND_LABELS[k]}</th>)}<th scope="col" class="num">Net</th><th scope="col" class="num">MRR</th></tr></thead>
          <tbody>{series.points.map((p) => (
            <tr key={p.start}><td>{day(p.start)}</td>{KINDS.map((k) => <td key={k} class="num">{formatMoney(p.movements[k])}</td>)}<td class="num">{formatMoney(p.movements.net)}</td><td class="num">{formatMoney(p.mrr)}</td></tr>
          ))}</tbody>
        </table>
      </details>
    </section>
  );
}
