"""Alerts: customer events derived from what changed in a stored customer, delivered to webhook endpoints
(signed JSON or Slack messages) and streamed to GraphQL subscribers.  The rules are in docs/alerts.md.

    events       the event types, their stable ids and the pure diff of an old and a new customer document
    emit         the analytics worker's side: record events and their deliveries before the customer is written
    signing      the `Crm-Signature: t=...,v1=...` HMAC-SHA256 header and its verification
    url_safety   which endpoint URLs and addresses are allowed (https, no private/loopback/link-local addresses)
    render       the JSON body and the Slack message of an event
    delivery     the delivery engine one dramatiq actor runs per endpoint (retries, backoff, disabling)
"""
