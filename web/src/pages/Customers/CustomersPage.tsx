import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { graphql } from "../../__generated__";
import { useQuery } from "../../api/useQuery";
import { useServerNow } from "../../api/serverNow";
import { useDebounced } from "../../api/useDebounced";
import { Layout } from "../../components/Layout";
import { Loading } from "../../components/Loading";
import { QueryError } from "../../components/QueryError";
import { type CustomerView, filterChips, parseView, toFilterInput, toggleSort, viewToParams, withChange } from "../../format/filters";
import { SearchEchoes } from "../../api/searchEchoes";
import { markSearchInput } from "../../perf";
import { appGid, navigate } from "../../router";
import { CustomersTable } from "./CustomersTable";
import { FilterPanel } from "./FilterPanel";
import { Pager } from "./Pager";
import { SaveSegment } from "./SaveSegment";

const CustomersQuery = graphql(`
  query CustomersPage(
    $app: ID!
    $filter: CustomerFilterInput
    $search: String
    $sort: CustomerSortInput
    $first: Int
    $after: String
    $last: Int
    $before: String
  ) {
    app(id: $app) {
      id
      name
      customers(filter: $filter, search: $search, sort: $sort, first: $first, after: $after, last: $last, before: $before) {
        totalCount
        pageInfo {
          hasNextPage
          hasPreviousPage
          startCursor
          endCursor
        }
        edges {
          node {
            id
            shopId
            name
            domain
            email
            status
            plan
            mrr {
              amount
              currencyCode
            }
            country
            installedAt
            lastActiveAt
            lifetimeValue {
              amount
              currencyCode
            }
            health {
              score
              grade
            }
          }
        }
      }
    }
  }
`);

const FacetsQuery = graphql(`
  query CustomerFacets($app: ID!, $filter: CustomerFilterInput, $search: String, $sort: CustomerSortInput) {
    app(id: $app) {
      id
      customerFacets(filter: $filter, search: $search) {
        total
        status {
          value
          count
        }
        plan {
          value
          count
        }
        country {
          value
          count
        }
        currency {
          value
          count
        }
        segment {
          value
          count
        }
      }
      segments {
        key
        name
        builtIn
      }
      filteredExport: customersExportLink(filter: $filter, search: $search, sort: $sort) {
        url
        expiresAt
      }
      fullExport: customersExportLink(scope: FULL) {
        url
        expiresAt
      }
    }
  }
`);

const SEARCH_DEBOUNCE_MS = 60;
const FACETS_DELAY_MS = 250;
const EXPORT_REFRESH_MS = 4 * 60 * 1000; // links live 10 minutes

export function CustomersPage({ appNumber, params }: { appNumber: string; params: URLSearchParams }) {
  const view = parseView(params);
  const now = useServerNow();
  const app = appGid(appNumber);
  const go = (v: CustomerView, replace = false) =>
    navigate(`/apps/${appNumber}/customers${viewToParams(v).toString() ? `?${viewToParams(v)}` : ""}`, { replace });

  // Search as you type: the box is local state, the URL follows after a short pause; the box follows the URL
  // only when someone else changed it (see SearchEchoes).
  const [searchText, setSearchText] = useState(view.search);
  const typing = useRef(false);
  const echoes = useRef(new SearchEchoes());
  useEffect(() => {
    if (echoes.current.isEcho(view.search)) return;
    typing.current = false;
    setSearchText(view.search);
  }, [view.search]);
  useEffect(() => {
    if (!typing.current) return;
    const timer = window.setTimeout(() => {
      typing.current = false;
      if (searchText !== view.search) {
        echoes.current.pushed(searchText);
        go(withChange(view, { search: searchText }), true);
      }
    }, SEARCH_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [searchText]);

  const filter = useMemo(() => (now ? toFilterInput(view, now) : {}), [now, params.toString()]);
  const search = view.search.trim() || null;
  const sort = { field: view.sort, direction: view.dir };
  const page = view.before ? { last: view.size, before: view.before } : { first: view.size, after: view.after ?? null };
  const rowsVars = { app, filter, search, sort, ...page };
  const rows = useQuery(CustomersQuery, rowsVars, { skip: !now });
  const rowsFresh = !rows.loading && rows.dataKey === JSON.stringify(rowsVars);
  // Counts and export links follow the rows once the typing pauses: the rows request never queues behind them.
  const facetVars = useDebounced({ app, filter, search, sort }, FACETS_DELAY_MS);
  const facetsCurrent = JSON.stringify(facetVars) === JSON.stringify({ app, filter, search, sort });
  const facets = useQuery(FacetsQuery, facetVars, { skip: !now || !facetsCurrent || (!rowsFresh && !rows.error), pollMs: EXPORT_REFRESH_MS });

  const conn = rows.data?.app?.customers;
  const segments = facets.data?.app?.segments ?? [];
  const segmentName = (key: string) => segments.find((s) => s.key === key)?.name ?? key;
  const currency = facets.data?.app?.customerFacets.currency[0]?.value ?? "USD";
  const chips = filterChips(view, currency, segmentName);
  const segmentCounts = facets.data?.app?.customerFacets.segment ?? [];
  const stale = !rowsFresh;
  const appName = rows.data?.app?.name;

  useEffect(() => {
    document.title = `Customers${appName ? ` · ${appName}` : ""} · Merchant CRM`;
  }, [appName]);

  return (
    <Layout appId={app} appName={appName} current="customers">
      <div class="page-head">
        <h1>Customers</h1>
        <div class="actions">
          {facets.data?.app && (
            <>
              <a class="button" href={facets.data.app.filteredExport.url} download data-testid="export-view">
                Export CSV (this view)
              </a>
              <a class="button" href={facets.data.app.fullExport.url} download data-testid="export-all">
                Export CSV (everything)
              </a>
            </>
          )}
        </div>
      </div>
      <div class="toolbar">
        <label class="search">
          <span class="sr-only">Search customers</span>
          <input
            type="search"
            name="search"
            placeholder="Search name, domain or email…"
            value={searchText}
            onInput={(e) => {
              const text = (e.currentTarget as HTMLInputElement).value;
              typing.current = true;
              markSearchInput(text);
              setSearchText(text);
            }}
          />
        </label>
        <FilterPanel view={view} facets={facets.data?.app?.customerFacets} onChange={(v) => go(v)} />
      </div>
      <div class="segment-chips" role="group" aria-label="Segments">
        {segments.map((s) => {
          const n = segmentCounts.find((c) => c.value === s.key)?.count ?? 0;
          const on = view.segment === s.key;
          return (
            <button key={s.key} type="button" class="chip-button" aria-pressed={on} data-segment={s.key}
              onClick={() => go(withChange(view, { segment: on ? undefined : s.key }))}>
              {s.name} <span class="muted">{n}</span>
            </button>
          );
        })}
      </div>
      {chips.length > 0 && (
        <ul class="active-chips" aria-label="Active filters">
          {chips.map((c) => (
            <li key={c.key} class="chip">
              {c.label}
              <button type="button" class="chip-remove" aria-label={`Remove filter ${c.label}`} onClick={() => go(c.without)}>
                ×
              </button>
            </li>
          ))}
          <li>
            <button type="button" class="link-button" onClick={() => go({ ...parseView(new URLSearchParams()), sort: view.sort, dir: view.dir, size: view.size })}>
              Clear all
            </button>
          </li>
          <li>
            <SaveSegment app={app} filter={filter} />
          </li>
        </ul>
      )}
      {rows.error && <QueryError error={rows.error} retry={rows.retry} what="customers" />}
      {facets.error && !rows.error && <QueryError error={facets.error} retry={facets.retry} what="filter counts and export links" />}
      {!conn && rows.loading && <Loading what="customers" />}
      {rows.data && !rows.data.app && <p class="empty">No such app.</p>}
      {conn && (
        <>
          {conn.edges.length === 0 ? (
            <p class="empty" role="status">
              No customers match{chips.length ? " these filters" : ""}.
            </p>
          ) : (
            <CustomersTable edges={conn.edges} appNumber={appNumber} view={view} now={now!} stale={stale}
              onSort={(f) => go(toggleSort(view, f))} />
          )}
          <Pager
            page={view.page}
            size={view.size}
            total={conn.totalCount}
            shown={conn.edges.length}
            hasPrevious={view.page > 1 && (conn.pageInfo.hasPreviousPage || !!view.before)}
            hasNext={conn.pageInfo.hasNextPage || (!!view.before && view.page < Math.ceil(conn.totalCount / view.size))}
            onPrevious={() =>
              go(view.page <= 2
                ? { ...view, after: undefined, before: undefined, page: 1 }
                : { ...view, after: undefined, before: conn.pageInfo.startCursor ?? undefined, page: view.page - 1 })}
            onNext={() => go({ ...view, before: undefined, after: conn.pageInfo.endCursor ?? undefined, page: view.page + 1 })}
            onSize={(size) => go(withChange(view, { size }))}
          />
        </>
      )}
    </Layout>
  );
}
