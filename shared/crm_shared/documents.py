"""Shapes of the MongoDB documents (the contract between the services).

Every collection has a module in `crm_shared.store`: its typed document, its
indexes and the only functions that read and write it
(`tests/test_store_ownership.py` holds the services to that).  This index
names the modules and says who writes what.

Field names are snake_case.  Times are aware UTC `datetime`s.  Money amounts
are exact `bson.Decimal128` (never floats) with their currency beside them;
amounts in different currencies are never summed.

Raw (written by the sync worker only)
-------------------------------------
partner_events       crm_shared.store.partner_events (typed: EventDoc)
    _id = ids.event_key(app, type, occurredAt, shop, charge); the Partner
    API node verbatim with the fields read from it
partner_transactions crm_shared.store.partner_transactions (typed: TransactionDoc)
    _id = transaction gid; the latest node verbatim, money as Decimal128, every
    earlier version in `restatements` (oldest first)
shop_profiles        crm_shared.store.shop_profiles (typed: ShopProfileDoc)
    _id = ids.customer_key(app, shop); what the partner's app reported

State
-----
organizations, apps, api_keys      crm_shared.store.registry (typed: OrganizationDoc, AppDoc, ApiKeyDoc)
saved_segments      crm_shared.store.saved_segments (typed: SavedSegmentDoc)
    _id = f"{app_id}|{key}"; written by the gateway, read by the gateway
    and the analytics worker
sync_state          crm_shared.store.sync_state (typed: SyncStateDoc; states and moves)
rebuild_outbox      crm_shared.store.rebuild_outbox (typed: OutboxMark): shops whose raw data
    changed and await a rebuild; marked by every raw-data writer before it
    writes, cleared only by the analytics worker
signing_keys        crm_shared.store.signing_keys (typed: SigningKeyDoc): the
    gateway's stored export-link secret
customer_events, alert_baselines   crm_shared.store.customer_events (typed: CustomerEventDoc): alert
    events, written by the analytics worker before the customers they describe (docs/alerts.md)
webhook_endpoints   crm_shared.store.webhook_endpoints (typed: EndpointDoc)
webhook_deliveries  crm_shared.store.webhook_deliveries (typed: DeliveryDoc): the webhook outbox and its log

Derived (written by the analytics worker only)
----------------------------------------------
customers           crm_shared.store.customers (typed: CustomerDoc), the only writer of it
app_metrics         crm_shared.store.app_metrics (typed: MetricsDoc)
    _id = f"{app_id}|{currency}|{YYYY-MM-DD}" (daily snapshot); one document
    per currency per day from the app's first data to today; today's is "as
    of computed_at"; test shops left out; total_mrr is the exact end-of-day
    sum, the sum of a range's movements equals its change
app_summaries       crm_shared.store.app_summaries (typed: SummaryDoc)
    _id = app_id   (semantics: crm_shared.analytics docstrings)
    app_id, computed_at (= as_of, the clock the numbers are read at),
    reports_activity (bool: the app reports activity in shop_profiles),
    customers (non-test count), test_customers, counts_by_status {status: n}
    (non-test, all six statuses), segment_counts {key: n} (built-in and
    saved), built_in_segments [{key, name, definition}], percentiles
    {currency: {p20, p80 (Decimal128), population}}, top_plan {currency:
    {plan, plans (every name at the top price), mrr}}, by_currency {currency:
    {total_mrr, paying_customers, trial_customers, arppu (Decimal128|None)}},
    retention {"30d"|"90d"|"365d": {currency: {start, end, start_customers,
    retained_customers, logo_retention, start_mrr, retained_mrr,
    net_revenue_retention, gross_revenue_retention, expansion_revenue,
    churned_pool, reactivated_customers, reactivation_rate, total_mrr,
    paying_customers, arppu}}} (rates are floats rounded to 4 places or None),
    average_lifetime_days (float|None, all currencies),
    average_lifetime_days_by_currency {currency: float}, cohorts {install_month:
    [{cohort "YYYY-MM", size, ever_paid, installed [n at end of month k],
    paying [n]}], first_paid_month: [{cohort, currency, size, paying [n],
    mrr [Decimal128]}]} (month k = 0 is the cohort month; the last is as of now)
"""
