import type { AnalyticsPageQuery, Interval } from "../../__generated__/graphql";
import { ChartCanvas, PALETTE } from "../../components/Chart";
import { formatDate } from "../../format/dates";

type Point = NonNullable<AnalyticsPageQuery["app"]>["acquisitionSeries"][number];

export function bucketLabel(start: string, interval: Interval): string {
  if (interval === "MONTH") return new Date(`${start}T00:00:00Z`).toLocaleString("en-GB", { month: "short", year: "numeric", timeZone: "UTC" });
  return formatDate(`${start}T00:00:00Z`);
}

export function AcquisitionChart({ points, interval }: { points: Point[]; interval: Interval }) {
  const labels = points.map((p) => bucketLabel(p.start, interval));
  const total = points.reduce((n, p) => n + p.newCustomers, 0);
  return (
    <section class="card" aria-labelledby="acq-title">
      <h3 id="acq-title">New customers per {interval.toLowerCase()} <span class="muted small" data-testid="acquisition-total">{total} in all</span></h3>
      <ChartCanvas testId="acquisition-chart" label={`New customers and installs per ${interval.toLowerCase()}`} config={{
        type: "bar",
        data: { labels, datasets: [
          { label: "New customers", data: points.map((p) => p.newCustomers), backgroundColor: PALETTE[0] },
          { label: "Installs", data: points.map((p) => p.installs), backgroundColor: PALETTE[5] },
        ] },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      }} />
      <details class="data-details">
        <summary>Data</summary>
        <table class="data-table acquisition-table">
          <thead><tr><th scope="col">From</th><th scope="col" class="num">New customers</th><th scope="col" class="num">Installs</th><th scope="col" class="num">Uninstalls</th></tr></thead>
          <tbody>{points.map((p) => <tr key={p.start}><td>{formatDate(`${p.start}T00:00:00Z`)}</td><td class="num">{p.newCustomers}</td><td class="num">{p.installs}</td><td class="num">{p.uninstalls}</td></tr>)}</tbody>
        </table>
      </details>
    </section>
  );
}
