"""The stored documents: one module per collection (or Redis key family), the only code that reads or writes it.

Raw (written by the sync worker only)
    partner_events        the Partner API's app events, verbatim (EventDoc)
    partner_transactions  the Partner API's app transactions and their restatements (TransactionDoc)
    shop_profiles         what the partner's own app reports about its shops (ShopProfileDoc)
Derived (written by the analytics worker only)
    customers             the derived customer documents, and the gateway's list reads and change stream (CustomerDoc)
    app_metrics           daily snapshots per app and currency (MetricsDoc)
    app_summaries         one summary per app (SummaryDoc)
State
    registry              organizations, apps and API keys (OrganizationDoc, AppDoc, ApiKeyDoc)
    sync_state            one document per app: the sync state machine, run lease mirror, stream checkpoints
    sync_leases           the Redis lease a sync run holds on its app
    saved_segments        the filters an app's users saved as segments (SavedSegmentDoc)
    rebuild_outbox        customers whose raw data changed and await a rebuild (OutboxMark)
    signing_keys          a deployment's stored random secrets (SigningKeyDoc)
Alerts (docs/alerts.md)
    customer_events       alert events, and alert_baselines: where each app's events start (CustomerEventDoc)
    webhook_endpoints     where an organization's alerts go, signing secrets encrypted (EndpointDoc)
    webhook_deliveries    the webhook outbox and delivery log, one document per (endpoint, event) (DeliveryDoc)

Each module names its collection (`crm_shared.mongo`), declares its document shape as a typed dict and its
indexes (`INDEXES`, created for every service by `indexes.ensure_base_indexes`; a service's own, such as
`customers.list_query_indexes` or `GATEWAY_INDEXES`, created by that service through the module's `create_indexes`).
Services call these functions and nothing else touches the collections: `tests/test_store_ownership.py` fails
on code outside this package that indexes a database by a collection or calls a collection's methods.
"""
