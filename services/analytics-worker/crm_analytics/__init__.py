"""The analytics worker: rebuilds customers from raw data and recomputes app-level numbers.

Modules, by concern:
    config          worker settings (debounce, batch size) and the resources a job uses
    locking         the per-app Redis lock and the pending-shop set (coalescing)
    raw_data        reading one batch of shops' raw Partner API data
    customer_rebuild derive + store a batch of customers
    app_recompute   app-level numbers: segments, saved segments, app_metrics, app_summaries
    jobs            what each actor does (customers_changed, rebuild_app, refresh_app)
    actors          the dramatiq actors on queue ``analytics``
    scheduler       enqueues ``refresh_app`` for every app periodically
    __main__        ``python -m crm_analytics worker | scheduler | rebuild --app APP_GID``
"""
