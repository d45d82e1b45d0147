"""``/_admin/*`` — dev-only endpoints the tests use to steer the simulator.

- ``POST /_admin/faults``: fault settings (see ``partner_sim.faults``) plus
  ``late_events`` (event nodes) with ``visible_after`` (ISO wall-clock; hidden
  until then) and ``restate`` ([{"id", "grossAmount", "netAmount", …}]).
- ``POST /_admin/append``: ``{"events": [...], "transactions": [...]}`` (a known
  transaction id is a restatement).
- ``POST /_admin/reset``: original data, configured faults, fresh buckets, empty log.
- ``GET /_admin/requests``: the request log ``[{"t", "token", "status", "throttled", …}]``.
- ``GET /_admin/healthz``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from partner_sim.faults import FaultConfigError
from partner_sim.scenario import ScenarioError, validate_nodes
from partner_sim.state import SimState


def _state(request: Request) -> SimState:
    return request.app.state.sim  # type: ignore[no-any-return]


async def _json_body(request: Request) -> dict[str, Any]:
    body = await request.json()
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


async def post_faults(request: Request) -> JSONResponse:
    """Configure faults, late events and restatements."""
    state = _state(request)
    try:
        body = await _json_body(request)
        with state.lock:
            applied = state.configure(body)
    except KeyError as exc:
        return _bad(f"unknown transaction id {exc}")
    except (ValueError, FaultConfigError, ScenarioError) as exc:
        return _bad(str(exc))
    return JSONResponse({"faults": state.faults.as_dict(), **applied})


async def post_append(request: Request) -> JSONResponse:
    """Add events and transactions at runtime (end-to-end freshness tests)."""
    state = _state(request)
    try:
        body = await _json_body(request)
        events = body.get("events") or []
        txns = body.get("transactions") or []
        validate_nodes(events=events, transactions=txns)
        with state.lock:
            for node in events:
                state.store.add_event(node)
            for node in txns:
                state.store.add_transaction(node)
    except (ValueError, ScenarioError) as exc:
        return _bad(str(exc))
    return JSONResponse({"events": len(events), "transactions": len(txns)})


async def post_reset(request: Request) -> JSONResponse:
    """Back to the scenario as loaded."""
    state = _state(request)
    with state.lock:
        state.reset()
    return JSONResponse({"ok": True})


async def get_requests(request: Request) -> JSONResponse:
    """The request log."""
    return JSONResponse(list(_state(request).request_log))


async def get_healthz(request: Request) -> JSONResponse:
    """Liveness plus a few counts."""
    store = _state(request).store
    return JSONResponse({
        "ok": True,
        "organization": str(store.organization["id"]),
        "apps": len(store.apps),
        "events": sum(len(i) for i in store.events_by_app.values()),
        "transactions": len(store.txns_all),
    })
