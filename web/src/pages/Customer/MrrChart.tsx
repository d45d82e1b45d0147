import type { ChartConfiguration } from "chart.js";
import type { CustomerProfileQuery } from "../../__generated__/graphql";
import { ChartCanvas } from "../../components/Chart";
import { formatDate } from "../../format/dates";
import { formatMoney } from "../../format/money";

type Point = NonNullable<NonNullable<CustomerProfileQuery["app"]>["customer"]>["mrrHistory"][number];

const MARK: Record<string, { style: "triangle" | "circle" | "rectRot"; rotation: number; color: string; label: string }> = {
  UPGRADED: { style: "triangle", rotation: 0, color: "#16a34a", label: "Upgrade" },
  DOWNGRADED: { style: "triangle", rotation: 180, color: "#dc2626", label: "Downgrade" },
  PLAN_CHANGED: { style: "rectRot", rotation: 0, color: "#9333ea", label: "Plan change" },
};

/** The customer's MRR over time as steps, plan changes marked (upgrade ▲ green, downgrade ▼ red). */
export function MrrChart({ points }: { points: Point[] }) {
  if (points.length === 0) return <p class="empty">No MRR history yet.</p>;
  const currency = points[points.length - 1].mrr.currencyCode;
  const mark = (p: Point) => (p.kind ? MARK[p.kind] : undefined);
  const config: ChartConfiguration = {
    type: "line",
    data: {
      datasets: [
        {
          label: `MRR (${currency})`,
          data: points.map((p) => ({ x: Date.parse(p.at), y: Number(p.mrr.amount) })),
          stepped: "after",
          borderColor: "#2563eb",
          backgroundColor: "rgba(37, 99, 235, 0.12)",
          fill: true,
          pointStyle: points.map((p) => mark(p)?.style ?? "circle"),
          rotation: points.map((p) => mark(p)?.rotation ?? 0),
          pointRadius: points.map((p) => (p.closing ? 0 : mark(p) ? 7 : 3)),
          pointBackgroundColor: points.map((p) => mark(p)?.color ?? "#2563eb"),
          pointBorderColor: points.map((p) => mark(p)?.color ?? "#2563eb"),
        },
      ],
    },
    options: {
      scales: {
        x: { type: "linear", min: Date.parse(points[0].at), max: Date.parse(points[points.length - 1].at), ticks: { callback: (v) => formatDate(new Date(Number(v)).toISOString()), maxTicksLimit: 6 } },
        y: { beginAtZero: true, ticks: { callback: (v) => formatMoney({ amount: String(v), currencyCode: currency }) } },
      },
      plugins: { legend: { display: false } },
    },
  };
  const changes = points.filter((p) => mark(p));
  return (
    <>
      <ChartCanvas config={config} label={`MRR over time in ${currency}, from ${formatDate(points[0].at)} to ${formatDate(points[points.length - 1].at)}`} testId="mrr-chart" />
      {changes.length > 0 && (
        <ul class="legend-list" aria-label="Plan changes">
          {changes.map((p) => (
            <li key={p.at} class={`change-${p.kind!.toLowerCase()}`}>
              <span aria-hidden="true" style={{ color: mark(p)!.color }}>{p.kind === "DOWNGRADED" ? "▼" : p.kind === "UPGRADED" ? "▲" : "◆"}</span>{" "}
              {mark(p)!.label} to {p.plan ?? "?"} on {formatDate(p.at)} ({formatMoney(p.mrr)})
            </li>
          ))}
        </ul>
      )}
      <details class="data-details">
        <summary>MRR history data</summary>
        <table class="data-table mrr-history">
          <caption class="sr-only">MRR history</caption>
          <thead><tr><th scope="col">From</th><th scope="col">Cause</th><th scope="col">Plan</th><th scope="col" class="num">MRR</th></tr></thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.at + (p.closing ? "c" : "")}>
                <td>{formatDate(p.at)}</td>
                <td>{p.closing ? "now" : (p.kind ?? p.annotation ?? "").toLowerCase().replace(/_/g, " ")}</td>
                <td>{p.plan ?? "—"}</td>
                <td class="num">{formatMoney(p.mrr)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}
