import { graphql } from "../../__generated__";
import { useQuery } from "../../api/useQuery";
import { Loading } from "../../components/Loading";
import { QueryError } from "../../components/QueryError";
import { formatDateTime } from "../../format/dates";
import { describeEntry, entryIcon } from "../../format/timeline";

const TimelineQuery = graphql(`
  query CustomerTimeline($app: ID!, $shop: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    app(id: $app) {
      id
      customer(shopId: $shop) {
        id
        timeline(newestFirst: true, first: $first, after: $after, last: $last, before: $before) {
          totalCount
          pageInfo {
            hasNextPage
            hasPreviousPage
            startCursor
            endCursor
          }
          edges {
            cursor
            node {
              type
              occurredAt
              plan
              detail
              mrrBefore {
                amount
                currencyCode
              }
              mrrAfter {
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

const PAGE = 10;

/** The subscription timeline, newest first, with older / newer pages (cursors in the URL). */
export function Timeline(props: { app: string; shop: string; after?: string; before?: string; onPage: (p: { after?: string; before?: string }) => void }) {
  const { app, shop, after, before } = props;
  const vars = before ? { app, shop, last: PAGE, before } : { app, shop, first: PAGE, after: after ?? null };
  const q = useQuery(TimelineQuery, vars);
  const tl = q.data?.app?.customer?.timeline;
  return (
    <section class="card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline {tl && <span class="muted small">({tl.totalCount} entries, newest first)</span>}</h2>
      {q.error && <QueryError error={q.error} retry={q.retry} what="the timeline" />}
      {!tl && q.loading && <Loading what="timeline" />}
      {tl && tl.edges.length === 0 && <p class="empty">Nothing happened yet.</p>}
      {tl && (
        <ol class="timeline">
          {tl.edges.map(({ node: e, cursor }) => (
            <li key={cursor} class={`tl-${e.type.toLowerCase()}`} data-type={e.type}>
              <span class="tl-icon" aria-hidden="true">{entryIcon(e.type)}</span>
              <span class="tl-text">{describeEntry(e)}</span>
              <time class="muted small" dateTime={e.occurredAt}>{formatDateTime(e.occurredAt)}</time>
            </li>
          ))}
        </ol>
      )}
      {tl && (tl.pageInfo.hasPreviousPage || tl.pageInfo.hasNextPage) && (
        <div class="actions">
          <button type="button" disabled={!tl.pageInfo.hasPreviousPage} onClick={() => props.onPage({ before: tl.pageInfo.startCursor ?? undefined })}>
            ← Newer
          </button>
          <button type="button" disabled={!tl.pageInfo.hasNextPage} onClick={() => props.onPage({ after: tl.pageInfo.endCursor ?? undefined })}>
            Older →
          </button>
        </div>
      )}
    </section>
  );
}
