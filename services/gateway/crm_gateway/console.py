"""The web console (``web/``, built into ``web/dist``) served at ``/``, in production too.

Built files under ``/assets/`` are content-hashed, so they are cached for a year;
every other GET that is not an API route gets ``index.html`` (the console's own
router reads the path), never cached, so a new build is picked up at once. The
console only talks to ``/graphql`` and ``/export``: the Content-Security-Policy
allows nothing else (no CDN, no inline script).

Where the build lives: ``CRM_WEB_DIST`` when set (the Docker image), else the
repository's ``web/dist``.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from crm_shared.settings import Settings

REPO_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Merchant CRM</title></head>
<body><main><h1>The console is not built</h1><p>Build it with <code>make web</code> (or <code>npm ci &amp;&amp;
npm run build</code> in <code>web/</code>); <code>make run</code> does it for you. The API is at
<a href="/graphql">/graphql</a>.</p></main></body></html>"""


def dist_dir() -> Path:
    """Where the built console is."""
    configured = Settings().web_dist  # read at each call: an app built later may point elsewhere
    return Path(configured) if configured else REPO_DIST


class HashedAssets(StaticFiles):
    """Content-hashed build output: cache for a year."""

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def console_routes(dist: Path | None = None) -> list[BaseRoute]:
    """`/assets/*` and the history fallback (append after every API route)."""
    root = dist or dist_dir()
    index = root / "index.html"

    async def page(request: Request) -> Response:
        path = request.path_params.get("path", "")
        if path.startswith(("graphql/", "export/", "assets/", "static/")) or "." in path.rsplit("/", 1)[-1]:
            return PlainTextResponse("not found", status_code=404)
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store"})
        return FileResponse(index, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    return [
        Mount("/assets", app=HashedAssets(directory=root / "assets", check_dir=False), name="console-assets"),
        Route("/", page, methods=["GET", "HEAD"]),
        Route("/{path:path}", page, methods=["GET", "HEAD"]),
    ]
