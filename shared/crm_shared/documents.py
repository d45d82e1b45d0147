"""Shapes of the MongoDB documents (the contract between the services).

A collection with a module in `crm_shared.store` is described there, as a typed
document, beside the only functions that read and write it; this index names
them and describes the others.

Field names are snake_case.  Times are aware UTC `datetime`s.  Money amounts
are exact `bson.Decimal128` (never floats) with their currency beside them;
amounts in different currencies are never summed.

Raw (written by the sync worker only)
-------------------------------------
partner_events      _id = ids.event_key(app, type, occurredAt, shop, charge)
    app_id, shop_id (None when the node has no shop), type (e.g.
    "SUBSCRIPTION_CHARGE_ACTIVATED"), occurred_at, charge_id (charge.id, or
    appCredit.id, or None), node (the Partner API node verbatim, as JSON),
    first_seen_at
partner_transactions _id = transaction gid
    app_id, shop_id (None when shop is null), type (the __typename, e.g.
    "AppSubscriptionSale"), created_at, charge_id (None before 2020-09),
    gross_amount, net_amount (Decimal128), currency, billing_interval (sales
    only, else None), node (latest version verbatim), restatements (list of
    {node, replaced_at} — every earlier version, oldest first), first_seen_at
shop_profiles       _id = ids.customer_key(app, shop)
    app_id, shop_id, email, country, shopify_plan, last_active_at, updated_at

State
-----
organizations, apps, api_keys      crm_shared.store.registry (typed: OrganizationDoc, AppDoc, ApiKeyDoc)
saved_segments      _id = f"{app_id}|{key}"
    app_id, key ("saved:<slug>"), name, filter (CustomerFilterInput as a
    snake_case dict: status, plan, paid, country, mrr_min, mrr_max,
    installed_from, installed_to, last_active_from, last_active_to,
    include_test), created_at
sync_state          crm_shared.store.sync_state (typed: SyncStateDoc; states and moves)
rebuild_outbox      crm_shared.store.rebuild_outbox (typed: OutboxMark): shops whose raw data
    changed and await a rebuild; marked by every raw-data writer before it
    writes, cleared only by the analytics worker
customer_events, alert_baselines   crm_shared.store.customer_events (typed: CustomerEventDoc): alert
    events, written by the analytics worker before the customers they describe (docs/alerts.md)
webhook_endpoints   crm_shared.store.webhook_endpoints (typed: EndpointDoc)
webhook_deliveries  crm_shared.store.webhook_deliveries (typed: DeliveryDoc): the webhook outbox and its log

Derived (written by the analytics worker only)
----------------------------------------------
customers           crm_shared.store.customers (typed: CustomerDoc), the only writer of it
app_metrics         _id = f"{app_id}|{currency}|{YYYY-MM-DD}" (daily snapshot)
    app_id, currency, date (datetime at 00:00 UTC), total_mrr, active_customers,
    trial_customers, installs, uninstalls, new_customers (first paid that day),
    churned_customers, reactivated_customers, movements {new, expansion,
    contraction, churn, reactivation} (Decimal128, churn and contraction
    negative)
    (one document per currency per day from the app's first data to today;
    today's is "as of computed_at"; test shops left out; total_mrr is the
    exact end-of-day sum, the sum of a range's movements equals its change)
app_summaries       _id = app_id   (semantics: crm_shared.analytics docstrings)
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
