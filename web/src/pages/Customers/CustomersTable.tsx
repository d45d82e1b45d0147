import { useLayoutEffect } from "preact/hooks";
import type { CustomersPageQuery } from "../../__generated__/graphql";
import { StatusBadge } from "../../components/StatusBadge";
import { formatDate, formatRelative } from "../../format/dates";
import type { CustomerView, SortField } from "../../format/filters";
import { formatMoney } from "../../format/money";
import { markRowsRendered } from "../../perf";
import { gidNumber } from "../../router";

type Edge = NonNullable<CustomersPageQuery["app"]>["customers"]["edges"][number];

const COLUMNS: { label: string; sort?: SortField; numeric?: boolean }[] = [
  { label: "Shop", sort: "SHOP_NAME" },
  { label: "Email", sort: "EMAIL" },
  { label: "Status", sort: "STATUS" },
  { label: "Plan", sort: "PLAN" },
  { label: "MRR", sort: "MRR", numeric: true },
  { label: "Country", sort: "COUNTRY" },
  { label: "Installed", sort: "INSTALLED_AT" },
  { label: "Last active", sort: "LAST_ACTIVE_AT" },
  { label: "LTV", sort: "LIFETIME_VALUE", numeric: true },
  { label: "Health" },
];

export function CustomersTable(props: {
  edges: Edge[];
  appNumber: string;
  view: CustomerView;
  now: string;
  onSort: (field: SortField) => void;
  stale: boolean;
}) {
  const { edges, appNumber, view, now, onSort, stale } = props;
  useLayoutEffect(() => {
    if (!stale) markRowsRendered(view.search);
  });
  return (
    <div class="table-wrap">
      <table class={`data-table customers-table${stale ? " stale" : ""}`} aria-busy={stale}>
        <caption class="sr-only">Customers, sorted by {view.sort.toLowerCase().replace(/_/g, " ")} {view.dir === "ASC" ? "ascending" : "descending"}</caption>
        <thead>
          <tr>
            {COLUMNS.map((c) => {
              const active = c.sort === view.sort;
              const ariaSort = active ? (view.dir === "ASC" ? "ascending" : "descending") : undefined;
              return (
                <th key={c.label} scope="col" aria-sort={ariaSort} class={c.numeric ? "num" : undefined}>
                  {c.sort ? (
                    <button type="button" class="sort-button" data-sort={c.sort} onClick={() => onSort(c.sort!)}>
                      {c.label}
                      <span aria-hidden="true" class="sort-mark">
                        {active ? (view.dir === "ASC" ? "▲" : "▼") : ""}
                      </span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {edges.map(({ node: c }) => (
            <tr key={c.id} data-shop={c.shopId}>
              <td>
                <a href={`/apps/${appNumber}/customers/${gidNumber(c.shopId)}`} class="shop-link">
                  {c.name || "(no name)"}
                </a>
                <div class="muted small">{c.domain}</div>
              </td>
              <td>{c.email ?? <span class="muted">—</span>}</td>
              <td>
                <StatusBadge status={c.status} />
              </td>
              <td>{c.plan}</td>
              <td class="num" data-col="mrr">{formatMoney(c.mrr)}</td>
              <td>{c.country ?? <span class="muted">—</span>}</td>
              <td>{formatDate(c.installedAt)}</td>
              <td title={formatDate(c.lastActiveAt)}>{formatRelative(c.lastActiveAt, now)}</td>
              <td class="num" data-col="ltv">{formatMoney(c.lifetimeValue)}</td>
              <td>
                <span class={`grade grade-${c.health.grade.toLowerCase()}`}>{c.health.grade}</span>{" "}
                <span class="muted small">{c.health.score}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
