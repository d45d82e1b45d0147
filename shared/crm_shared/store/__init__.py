"""The stored documents: one module per collection (or Redis key family), the only code that reads or writes it.

    sync_state       one document per app: the sync state machine, run lease mirror, stream checkpoints
    sync_leases      the Redis lease a sync run holds on its app
    customers        the derived customer documents (written by the analytics worker only)
    registry         organizations, apps and API keys
    rebuild_outbox   customers whose raw data changed and await a rebuild
    customer_events  alert events (and alert_baselines: where each app's events start), docs/alerts.md
    webhook_endpoints   where an organization's alerts go (signing secrets encrypted)
    webhook_deliveries  the webhook outbox and delivery log, one document per (endpoint, event)

Each module declares its document shape as a typed dict and names the collection.
"""
