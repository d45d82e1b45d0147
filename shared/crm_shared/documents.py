"""Shapes of the MongoDB documents (the contract between the services).

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
organizations       _id = Partner organization id ("1234567")
    name, access_token_encrypted (Fernet token under CRM_SECRET_KEY, see
    crm_shared.token_cipher; the token is never stored in clear), token_updated_at,
    partner_api_url (None = PARTNER_API_URL), created_at
apps                _id = app gid ("gid://partners/App/101")
    organization_id, name, api_key, created_at
api_keys            _id = sha256 hex of the key (keys are never stored)
    organization_id, name, prefix (first 8 chars, for display), key_id
    ("key_" + first 12 hex of _id: the public id), scope ("full" | "read"; absent
    = "full"), created_at, revoked_at
saved_segments      _id = f"{app_id}|{key}"
    app_id, key ("saved:<slug>"), name, filter (CustomerFilterInput as a
    snake_case dict: status, plan, paid, country, mrr_min, mrr_max,
    installed_from, installed_to, last_active_from, last_active_to,
    include_test), created_at
sync_state          _id = app_id (one document per app)
    app_id, state ("IDLE" | "QUEUED" | "RUNNING" | "FAILED"), queued_at,
    started_at, last_synced_at, last_error, last_error_permanent (bool),
    progress (0.0–1.0 or None), events_synced, transactions_synced,
    malformed_count, streams: {"events": {...}, "transactions": {...}} where a
    stream holds watermark, cursor, window_start, window_end, pages, items,
    and (sync worker) mode ("incremental" | "backfill" | None = no run in
    progress), range_start, range_end (ISO strings of the whole run),
    newest_seen (newest timestamp stored by the run in progress), progress,
    completed_at.

rebuild_outbox      _id = customer key: a shop whose raw data changed and awaits
    a rebuild (app_id, shop_id, v); marked by every raw-data writer before it
    writes, cleared only by the analytics worker (see crm_shared.rebuild_outbox)

Derived (written by the analytics worker only)
----------------------------------------------
customers           _id = ids.customer_key(app, shop)
    app_id, shop_id, name, domain, avatar_url, email, country, shopify_plan,
    status ("ACTIVE" | "TRIAL" | "FROZEN" | "CANCELLED" | "UNINSTALLED" |
    "FREE"), plan, paid (bool: MRR > 0), mrr (Decimal128, exact, in
    `currency`), last_paid_mrr (Decimal128 in `currency`: the MRR just before
    the customer stopped paying, the MRR while paying, None if never paid), currency, billing_interval ("EVERY_30_DAYS" | "ANNUAL" |
    None), billing_interval_inferred (bool), usage_run_rate (Decimal128),
    installed_at, uninstalled_at, trial_ends_at, customer_since,
    days_as_customer, last_active_at, lifetime_value, lifetime_net
    (Decimal128, in `currency`), lifetime_by_currency ([{currency, gross,
    net}]), is_test, health {score, grade, factors: [{name, impact, detail}]},
    segments (list of segment keys: "VIP", "AT_RISK", "GROWTH", "NEW" and
    saved keys), timeline ([{type, occurred_at, plan, mrr_before, mrr_after,
    currency, charge_id, detail}] oldest first), mrr_history ([{at, mrr,
    currency, annotation}] oldest first), charges ([{charge_id, name, state
    ("pending" | "active" | "frozen" | "cancelled" | "declined" | "expired"),
    amount (Decimal128), currency, interval, interval_inferred, activated_at,
    trial_ends_at, test}] one per subscription charge), first_installed_at,
    name_lc, domain_lc, email_lc (lower-cased sort/search keys),
    search_terms (lower-cased words of name, the domain and the email: the
    multikey prefix-search field), next_change_at (when the clock alone will
    change this document, or None), computed_at
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
