import type { AnalyticsPageQuery } from "../../__generated__/graphql";
import { formatMoney } from "../../format/money";

type Row = NonNullable<AnalyticsPageQuery["app"]>["analytics"]["cohortRows"]["firstPaidMonth"][number];

/** First-paid-month cohorts per currency: the share still paying month by month, with their MRR. */
export function PaidCohortTable({ rows }: { rows: Row[] }) {
  if (rows.length === 0) return <p class="empty">No paying cohorts yet.</p>;
  const months = Math.max(...rows.map((r) => r.paying.length));
  return (
    <div class="table-wrap">
      <table class="data-table heatmap paid-cohorts">
        <caption>Share of each first-paid-month cohort still paying (and its MRR), by months since first payment</caption>
        <thead>
          <tr>
            <th scope="col">Cohort</th>
            <th scope="col">Currency</th>
            <th scope="col" class="num">Shops</th>
            {Array.from({ length: months }, (_, k) => <th key={k} scope="col" class="num">M{k}</th>)}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.cohort}-${r.currencyCode}`} data-cohort={r.cohort}>
              <th scope="row">{r.cohort}</th>
              <td>{r.currencyCode}</td>
              <td class="num">{r.size}</td>
              {Array.from({ length: months }, (_, k) => {
                const n = r.paying[k];
                if (n === undefined) return <td key={k} />;
                const share = r.size ? n / r.size : 0;
                return (
                  <td key={k} class="num heat" style={{ background: `rgba(22, 163, 74, ${(0.08 + share * 0.6).toFixed(2)})`, color: "#111" }}
                    title={`${n} of ${r.size} paying, MRR ${r.mrr[k] ? formatMoney(r.mrr[k]) : "—"}`}>
                    {Math.round(share * 100)}%
                    <div class="small">{r.mrr[k] ? formatMoney(r.mrr[k]) : ""}</div>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
