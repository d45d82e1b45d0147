"""A thin driver of the console for the browser tests: waits on conditions, never fixed sleeps."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from tests.console.conftest import ARTIFACTS, AXE, KEY

T = TypeVar("T")
ROWS_JS = """
return Array.from(document.querySelectorAll('table.customers-table tbody tr')).map(tr => ({
  shop: tr.dataset.shop, name: tr.querySelector('.shop-link').textContent,
  cells: Array.from(tr.querySelectorAll('td')).map(td => td.innerText.trim())}));"""
CANVAS_INK_JS = """
const c = document.querySelector(arguments[0]);
if (!c || c.dataset.drawn !== 'true' || !c.width || !c.height) return 0;
const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let ink = 0; for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
return ink;"""


class Console:
    """The console in one browser tab."""

    def __init__(self, driver: Any, base_url: str) -> None:
        self.driver = driver
        self.base = base_url

    def wait(self, what: str, probe: Callable[[], T | None], timeout: float = 30) -> T:
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            try:
                value = probe()
                if value:
                    return value
                last = value
            except Exception as exc:  # the page is mid-render: try again
                last = exc
            time.sleep(0.05)
        self.screenshot(f"timeout-{what.replace(' ', '-')[:40]}")
        raise AssertionError(f"timed out waiting for {what}; last: {last!r}")

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def sign_in_quietly(self) -> None:
        """Put the key in session storage the way the sign-in form does (for tests of other screens)."""
        if self.driver.current_url.startswith(self.base) and self.js("return sessionStorage.getItem('crm.apiKey')"):
            return
        self.open("/signin")
        self.js("sessionStorage.setItem('crm.apiKey', arguments[0])", KEY)

    def text(self, css: str) -> str:
        return str(self.js("const e = document.querySelector(arguments[0]); return e ? e.innerText : null;", css) or "")

    def click(self, css: str) -> None:
        self.wait(f"clickable {css}", lambda: self.js(
            "const e = document.querySelector(arguments[0]); if (!e || e.disabled) return false; "
            "e.click(); return true;",
            css))

    def rows(self) -> list[dict[str, Any]]:
        return list(self.js(ROWS_JS))

    def settled_rows(self) -> list[dict[str, Any]]:
        """The customer rows once the table is not waiting for a newer answer."""
        self.wait("the customer table", lambda: self.js(
            "const t = document.querySelector('table.customers-table');"
            "const e = document.querySelector('main .empty');"
            "return (t && t.getAttribute('aria-busy') === 'false') || (e && !t);"))
        return self.rows()

    def names(self) -> list[str]:
        return [r["name"] for r in self.settled_rows()]

    def wait_names(self, expected: list[str] | set[str], ordered: bool = True) -> list[str]:
        def probe() -> list[str] | None:
            names = self.names()
            ok = names == list(expected) if ordered else set(names) == set(expected)
            return names if ok else None
        return self.wait(f"rows {sorted(expected) if not ordered else list(expected)}", probe)

    def canvas_ink(self, css: str) -> int:
        return int(self.js(CANVAS_INK_JS, css))

    def console_errors(self) -> list[str]:
        return [e["message"] for e in self.driver.get_log("browser") if e.get("level") == "SEVERE"]

    def axe_violations(self) -> list[dict[str, Any]]:
        """Serious and critical axe-core violations of the page as it is."""
        if not self.js("return typeof window.axe !== 'undefined'"):
            self.js(Path(AXE).read_text(encoding="utf-8"))
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => "
            "({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))),"
            " e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));")
        return [v for v in result if v["impact"] in ("serious", "critical")]

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path
