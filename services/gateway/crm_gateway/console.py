"""Serving a built web console (static files) at `/`, in production too.

The console is built elsewhere (`web/`, `npm run build` into `web/dist`); the gateway image copies a built
`web/dist` to `/app/console` and sets `CRM_CONSOLE_DIR` to it. Nothing is served when the directory has no
`index.html`. Mounted after every API route, so `/graphql`, `/export`, `/healthz`... keep their meaning.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

CONSOLE_DIR_ENV = "CRM_CONSOLE_DIR"


def console_directory() -> Path | None:
    """The built console's directory (CRM_CONSOLE_DIR) when it holds an index.html, else None."""
    value = os.environ.get(CONSOLE_DIR_ENV, "").strip()
    if not value:
        return None
    path = Path(value)
    return path if (path / "index.html").is_file() else None


def console_mount(directory: Path) -> Mount:
    """`/` serving the console's files (index.html for `/`)."""
    return Mount("/", app=StaticFiles(directory=directory, html=True), name="console")
