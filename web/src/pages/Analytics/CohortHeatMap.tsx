import type { AnalyticsPageQuery } from "../../__generated__/graphql";

type Row = NonNullable<AnalyticsPageQuery["app"]>["analytics"]["cohortRows"]["installMonth"][number];

/** Install-month cohorts: the share of each cohort still installed, month by month, as colour and number. */
export function CohortHeatMap({ rows }: { rows: Row[] }) {
  if (rows.length === 0) return <p class="empty">No cohorts yet.</p>;
  const months = Math.max(...rows.map((r) => r.installed.length));
  return (
    <div class="table-wrap">
      <table class="data-table heatmap">
        <caption>Share of each install-month cohort still installed, by months since install</caption>
        <thead>
          <tr>
            <th scope="col">Cohort</th>
            <th scope="col" class="num">Shops</th>
            <th scope="col" class="num">Ever paid</th>
            {Array.from({ length: months }, (_, k) => <th key={k} scope="col" class="num">M{k}</th>)}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.cohort} data-cohort={r.cohort}>
              <th scope="row">{r.cohort}</th>
              <td class="num">{r.size}</td>
              <td class="num">{r.everPaid}</td>
              {Array.from({ length: months }, (_, k) => {
                const n = r.installed[k];
                if (n === undefined) return <td key={k} />;
                const share = r.size ? n / r.size : 0;
                return (
                  <td key={k} class="num heat" style={{ background: `rgba(37, 99, 235, ${(0.08 + share * 0.6).toFixed(2)})`, color: "#111" }} title={`${n} of ${r.size}`}>
                    {Math.round(share * 100)}%
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
