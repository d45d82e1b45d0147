"""The sync worker: streams Partner API events and transactions into MongoDB.

Modules, one concern each:
    queries       the GraphQL documents, validated against the committed schema
    client        PartnerClient (gql over HTTPX, errors classified)
    rate_limiter  the shared Redis token bucket (4 req/s per Partner API client)
    retry         backoff policy (tenacity, honours Retry-After)
    parse         Partner API node -> raw document (pure)
    store         bulk upserts into partner_events / partner_transactions
    streams       paging one stream with checkpoints (into crm_shared.store.sync_state)
    sync          sync_app / backfill_app under the app's lease (crm_shared.store.sync_leases)
    handlers      what each actor does; a request meeting a taken lease waits for it
    profiles      ingest_shop_profiles
    actors        dramatiq actors on queue ``sync``
    scheduler     periodic SyncApp enqueuer
    metrics       Prometheus metrics
"""
