import { graphql } from "../../__generated__";
import type { TransactionKind } from "../../__generated__/graphql";
import { useQuery } from "../../api/useQuery";
import { Loading } from "../../components/Loading";
import { QueryError } from "../../components/QueryError";
import { formatDate } from "../../format/dates";
import { formatMoney } from "../../format/money";

const TransactionsQuery = graphql(`
  query CustomerTransactions($app: ID!, $shop: ID!, $sort: TransactionSortInput, $kinds: [TransactionKind!]) {
    app(id: $app) {
      id
      customer(shopId: $shop) {
        id
        transactions(first: 100, sort: $sort, status: $kinds) {
          totalCount
          edges {
            node {
              id
              kind
              createdAt
              grossAmount {
                amount
                currencyCode
              }
              netAmount {
                amount
                currencyCode
              }
            }
          }
        }
      }
    }
  }
`);

export const KIND_LABELS: Record<TransactionKind, string> = {
  APP_SUBSCRIPTION_SALE: "Subscription",
  APP_USAGE_SALE: "Usage",
  APP_ONE_TIME_SALE: "One-time",
  APP_SALE_ADJUSTMENT: "Adjustment",
  APP_SALE_CREDIT: "Credit",
  OTHER: "Other",
};

export type TxSort = "DATE_DESC" | "DATE_ASC" | "AMOUNT_DESC" | "AMOUNT_ASC";

export function Transactions(props: { app: string; shop: string; sort: TxSort; kind?: TransactionKind; onChange: (c: { sort?: TxSort; kind?: TransactionKind | "" }) => void }) {
  const { app, shop, sort, kind } = props;
  const [field, direction] = sort.split("_") as ["DATE" | "AMOUNT", "ASC" | "DESC"];
  const q = useQuery(TransactionsQuery, { app, shop, sort: { field, direction }, kinds: kind ? [kind] : null });
  const tx = q.data?.app?.customer?.transactions;
  const header = (label: string, f: "DATE" | "AMOUNT", numeric = false) => {
    const active = field === f;
    return (
      <th scope="col" class={numeric ? "num" : undefined} aria-sort={active ? (direction === "ASC" ? "ascending" : "descending") : undefined}>
        <button type="button" class="sort-button" data-sort={f}
          onClick={() => props.onChange({ sort: `${f}_${active && direction === "DESC" ? "ASC" : "DESC"}` as TxSort })}>
          {label}
          <span aria-hidden="true" class="sort-mark">{active ? (direction === "ASC" ? "▲" : "▼") : ""}</span>
        </button>
      </th>
    );
  };
  return (
    <section class="card" aria-labelledby="tx-title">
      <div class="card-head">
        <h2 id="tx-title">Transactions {tx && <span class="muted small">({tx.totalCount})</span>}</h2>
        <label>
          Kind{" "}
          <select name="tx-kind" value={kind ?? ""} onChange={(e) => props.onChange({ kind: (e.currentTarget as HTMLSelectElement).value as TransactionKind | "" })}>
            <option value="">All kinds</option>
            {Object.entries(KIND_LABELS).map(([k, label]) => (
              <option key={k} value={k}>{label}</option>
            ))}
          </select>
        </label>
      </div>
      {q.error && <QueryError error={q.error} retry={q.retry} what="transactions" />}
      {!tx && q.loading && <Loading what="transactions" />}
      {tx && tx.edges.length === 0 && <p class="empty">No transactions{kind ? " of this kind" : ""}.</p>}
      {tx && tx.edges.length > 0 && (
        <table class="data-table tx-table">
          <caption class="sr-only">Transactions</caption>
          <thead>
            <tr>
              {header("Date", "DATE")}
              <th scope="col">Kind</th>
              {header("Gross", "AMOUNT", true)}
              <th scope="col" class="num">Net</th>
            </tr>
          </thead>
          <tbody>
            {tx.edges.map(({ node: t }) => (
              <tr key={t.id} data-kind={t.kind}>
                <td>{formatDate(t.createdAt)}</td>
                <td>{KIND_LABELS[t.kind]}</td>
                <td class="num">{formatMoney(t.grossAmount)}</td>
                <td class="num">{formatMoney(t.netAmount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
