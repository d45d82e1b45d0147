"""The web console in Debian's Chromium against the whole stack (simulator, both workers, gateway) on the
console scenario, whose numbers are known by hand (tests/console/scenario.py).

Each screen: the right numbers, no console error, no serious or critical axe-core violation, and a
screenshot saved under test-artifacts/console/.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from crm_devstack.stack import RunningStack
from tests.console.conftest import KEY, graphql
from tests.console.console import Console
from tests.console.scenario import APP, EXPECTED

pytestmark = pytest.mark.e2e

CUSTOMERS = "/apps/101/customers"
NAMES = {n: v[0] for n, v in EXPECTED.items()}
SYMBOL = {"USD": "$", "EUR": "€"}


def money(amount: str, currency: str) -> str:
    d = Decimal(amount)
    return f"{'-' if d < 0 else ''}{SYMBOL[currency]}{abs(d):,.2f}"


def names(*shops: int) -> set[str]:
    return {NAMES[n] for n in shops}


@pytest.fixture
def console(browser: Any, base_url: str) -> Console:
    c = Console(browser, base_url)
    c.sign_in_quietly()
    browser.get_log("browser")  # start each test with an empty console log
    return c


def check_screen(c: Console, name: str) -> None:
    """No console error, no serious/critical accessibility violation; a screenshot as artefact."""
    c.screenshot(name)
    assert c.console_errors() == [], f"console errors on {name}"
    assert c.axe_violations() == [], f"accessibility violations on {name}"


def test_sign_in_with_a_key_then_the_apps_screen(browser: Any, base_url: str) -> None:
    c = Console(browser, base_url)
    c.open("/signin")
    c.js("sessionStorage.clear()")
    c.open(CUSTOMERS)
    c.wait("the sign-in form",
           lambda: "/signin" in browser.current_url and c.js("return !!document.getElementById('api-key')"))
    assert "next=" in browser.current_url and "crm_" not in browser.current_url
    check_screen(c, "01-sign-in")
    browser.find_element("id", "api-key").send_keys("crm_not_a_key")
    c.click("form button[type=submit]")
    assert "not accepted" in c.wait("the rejection", lambda: c.text("#signin-error"))
    browser.get_log("browser")  # the 401 of the wrong key is expected
    field = browser.find_element("id", "api-key")
    field.clear()
    field.send_keys(KEY)
    c.click("form button[type=submit]")
    c.wait("the customers list it was asked for", lambda: urlsplit(browser.current_url).path == CUSTOMERS)
    assert "crm_" not in browser.current_url  # the key never goes into a URL
    assert c.js("return sessionStorage.getItem('crm.apiKey')") == KEY
    c.open("/apps")
    card = c.wait("the app card", lambda: c.text("article.app-card"))
    assert "Ranky" in card and "IDLE" in card and "Sync now" in card
    assert c.text("article.app-card dd") == str(len(EXPECTED))
    check_screen(c, "02-apps")


def test_sync_now_queues_a_sync(console: Console, console_stack: RunningStack) -> None:
    console.open("/apps")
    console.wait("the app card", lambda: console.text("article.app-card"))
    console.click("article.app-card button[aria-label^='Sync']")
    state = console.wait("the sync to be queued or run", lambda: console.text("article.app-card .badge")
                         if console.text("article.app-card .badge") in ("QUEUED", "RUNNING") else None)
    assert state in ("QUEUED", "RUNNING")
    console.wait("the sync to finish", lambda: console.text("article.app-card .badge") == "IDLE", timeout=120)
    assert console.console_errors() == []


def test_the_list_shows_every_customer_with_its_numbers(console: Console) -> None:
    console.open(CUSTOMERS)
    rows = console.wait("eleven rows", lambda: len(console.settled_rows()) == len(EXPECTED) and console.rows())
    by_shop = {int(r["shop"].rsplit("/", 1)[1]): r["cells"] for r in rows}
    assert set(by_shop) == set(EXPECTED)  # the test shop is left out
    for n, (name, status, plan, mrr, currency, ltv, country) in EXPECTED.items():
        shop, email, status_cell, plan_cell, mrr_cell, country_cell, _, _, ltv_cell, health = by_shop[n]
        assert shop.startswith(name) and status_cell.upper() == status and plan_cell == plan
        assert mrr_cell == money(mrr, currency) and ltv_cell == money(ltv, currency), name
        assert country_cell == (country or "—") and health[0] in "ABCDF"
    assert console.text("[data-testid=page-range]") == f"1–{len(EXPECTED)} of {len(EXPECTED)}"
    check_screen(console, "03-customers")


def test_clicking_a_header_sorts_and_again_reverses(console: Console) -> None:
    console.open(CUSTOMERS)
    console.settled_rows()
    console.click("button[data-sort=SHOP_NAME]")
    by_name = sorted(NAMES.values(), key=str.lower)
    console.wait_names(by_name)
    console.click("button[data-sort=SHOP_NAME]")
    console.wait_names(list(reversed(by_name)))
    assert "sort=SHOP_NAME" in console.driver.current_url and "dir=DESC" in console.driver.current_url
    console.click("button[data-sort=MRR]")  # ascending by the number, in each customer's own currency
    console.wait("MRR ascending",
                 lambda: "dir=ASC" in console.driver.current_url and "sort=MRR" in console.driver.current_url)
    console.click("button[data-sort=MRR]")
    top = console.wait("MRR descending", lambda: (lambda n: n if n[0] == NAMES[9] else None)(console.names()))
    assert set(top[1:3]) == names(1, 11) and top[3] == NAMES[2]  # 199 EUR, 29, 29, 20
    console.driver.back()  # the back button restores the previous order
    console.wait("MRR ascending again", lambda: "dir=ASC" in console.driver.current_url
                 and console.names()[-1] == NAMES[9])


def test_search_as_you_type(console: Console) -> None:
    console.open(CUSTOMERS)
    console.settled_rows()
    box = console.driver.find_element("css selector", "input[type=search]")
    box.send_keys("alp")
    console.wait_names([NAMES[1]])
    box.clear()
    box.send_keys("owner@io")
    console.wait_names([NAMES[9]])
    box.clear()
    box.send_keys("zzz")
    console.wait("the empty state", lambda: "No customers match" in console.text("main"))
    assert console.console_errors() == []


@pytest.mark.parametrize(("query", "shops"), [
    ("status=ACTIVE", {1, 2, 7, 9, 10, 11}),
    ("status=CANCELLED,UNINSTALLED", {3, 4}),
    ("plan=Pro", {1, 6, 8, 11}),
    ("country=US", {1, 3, 5, 7, 10}),
    ("country=FR,DE", {6, 8, 9}),
    ("mrrMin=20", {1, 2, 9, 11}),
    ("mrrMin=10&mrrMax=20", {2, 7, 10}),
    ("lastPaidMrrMin=50&status=CANCELLED,UNINSTALLED", {4}),
    ("installedFrom=2026-01-01&installedTo=2026-01-31", {10}),
    ("installed=30d", {5, 6}),
    ("lastActive=7d", {1, 9, 10}),
    ("lastActiveFrom=2026-02-01&lastActiveTo=2026-02-10", {2, 8, 4}),
    ("segment=NEW", {5, 6}),
    ("status=ACTIVE&plan=Pro&q=la", {11}),  # "la": a prefix of "lambda" and "labs", not of "alpha"
])
def test_each_filter_gives_the_right_shops(console: Console, query: str, shops: set[int]) -> None:
    console.open(f"{CUSTOMERS}?{query}")
    console.wait_names(names(*shops), ordered=False)
    chips = console.text("ul.active-chips")
    assert chips, "active filters are shown as chips"


def test_filters_from_the_controls_with_counts_and_removable_chips(console: Console) -> None:
    console.open(CUSTOMERS)
    console.settled_rows()
    console.click("#filter-status summary")
    label = console.wait("the status counts", lambda: console.js(
        "const i = document.querySelector('#filter-status input[value=ACTIVE]');"
        "const l = i && i.closest('label'); return l && /\\d/.test(l.innerText) ? l.innerText : null;"))
    assert label.split() == ["Active", "6"]
    console.click("#filter-status input[value=ACTIVE]")
    console.wait_names(names(1, 2, 7, 9, 10, 11), ordered=False)
    console.click("#filter-status input[value=TRIAL]")
    console.wait_names(names(1, 2, 6, 7, 9, 10, 11), ordered=False)
    console.click("button[aria-label='Remove filter Status: Active']")
    console.wait_names(names(6), ordered=False)
    console.click("button[data-segment=NEW]")  # segment chips
    console.wait_names(names(6), ordered=False)
    console.driver.back()
    console.driver.back()
    console.wait_names(names(1, 2, 6, 7, 9, 10, 11), ordered=False)
    check_screen(console, "04-customers-filtered")


def test_pages_forward_and_back(console: Console) -> None:
    console.open(f"{CUSTOMERS}?sort=SHOP_NAME&dir=ASC")
    by_name = sorted(NAMES.values(), key=str.lower)
    console.wait_names(by_name)
    select = console.driver.find_element("css selector", ".pager select")
    from selenium.webdriver.support.ui import Select

    Select(select).select_by_value("10")
    console.wait_names(by_name[:10])
    assert console.text("[data-testid=page-range]") == "1–10 of 11"
    console.click(".pager button:nth-of-type(2)")  # Next
    console.wait_names(by_name[10:])
    assert console.text("[data-testid=page-range]") == "11–11 of 11"
    console.click(".pager button:nth-of-type(1)")  # Previous
    console.wait_names(by_name[:10])
    console.driver.back()
    console.wait_names(by_name[10:])


def test_a_profile_shows_its_numbers_timeline_and_chart(console: Console) -> None:
    console.open(f"{CUSTOMERS}/1")
    console.wait("the metric cards", lambda: console.text("[data-metric=mrr]"))
    assert console.text("[data-metric=mrr] .metric-value") == "$29.00"
    assert console.text("[data-metric=ltv] .metric-value") == "$147.00"
    assert console.text("[data-metric=plan] .metric-value") == "Pro"
    assert console.text("[data-metric=days] .metric-value") == "272"  # 2025-06-01 10:00 to 2026-03-01 00:00
    entries = console.wait("the timeline", lambda: console.js(
        "return Array.from(document.querySelectorAll('ol.timeline li')).map(li => li.dataset.type + '|' + "
        "li.querySelector('.tl-text').textContent)") or None)
    assert entries[0] == "UPGRADED|Upgraded to Pro (MRR $10.00 → $29.00)."  # newest first
    assert entries[-1] == "INSTALLED|Installed the app."
    assert console.wait("the MRR chart drawn", lambda: console.canvas_ink("[data-testid=mrr-chart]") > 500)
    assert "Upgrade to Pro on 1 Dec 2025" in console.text("ul.legend-list")
    tx = console.wait("the transactions", lambda: console.js(
        "return Array.from(document.querySelectorAll('table.tx-table tbody tr')).map(r => r.innerText)") or None)
    assert len(tx) == 9 and "$29.00" in tx[0]  # newest first: a Pro sale
    console.click("table.tx-table button[data-sort=AMOUNT]")
    console.wait("sorted by amount", lambda: "$29.00" in console.js(
        "return document.querySelector('table.tx-table tbody tr').innerText")
                 and "txSort=AMOUNT_DESC" in console.driver.current_url)
    check_screen(console, "05-profile")


def test_a_downgrade_is_marked_apart_from_an_upgrade(console: Console) -> None:
    console.open(f"{CUSTOMERS}/7")
    console.wait("the legend", lambda: console.text("ul.legend-list"))
    assert "Downgrade to Basic on 15 Feb 2026" in console.text("ul.legend-list")
    assert console.js("return document.querySelector('ul.legend-list li').className") == "change-downgraded"
    assert console.text("[data-metric=mrr] .metric-value") == "$10.00"
    assert console.text("[data-metric=ltv] .metric-value") == "$184.00"
    assert console.wait("the MRR chart drawn", lambda: console.canvas_ink("[data-testid=mrr-chart]") > 500)
    assert console.console_errors() == []


def test_save_a_segment_and_find_it_listed(console: Console, console_stack: RunningStack) -> None:
    console.open(f"{CUSTOMERS}?status=CANCELLED,UNINSTALLED&lastPaidMrrMin=50")
    console.wait_names([NAMES[4]])
    console.click(".save-segment button")
    console.driver.find_element("css selector", "input[name=segment-name]").send_keys("Churned big payers")
    console.click(".save-segment button[type=submit]")
    assert "Saved as segment" in console.wait("the confirmation", lambda: console.text(".save-segment [role=status]"))
    console.open("/apps/101/segments")
    row = console.wait("the saved segment", lambda: console.text("tr[data-segment='saved:churned-big-payers']"))
    assert "Churned big payers" in row
    assert console.text("tr[data-segment='saved:churned-big-payers'] [data-col=count]") == "1"
    vip = console.text("tr[data-segment=VIP]")
    # percentiles over the ACTIVE USD MRR 10, 10, 20, 29, 29: p80 = 29.00; EUR: Iota alone, p80 = 199.00.
    # VIP: Alpha (29, since 2025-06-01, active 2026-02-28) and Iota (EUR 199, since 2025-05-01, active 2026-02-27)
    assert "VIP: MRR ≥ $29.00, top 20 % (of 5 active)" in vip and "VIP: MRR ≥ €199.00, top 20 % (of 1 active)" in vip
    assert console.text("tr[data-segment=VIP] [data-col=count]") == "2"
    check_screen(console, "06-segments")
    console.click("tr[data-segment='saved:churned-big-payers'] a.button")
    console.wait_names([NAMES[4]])


def test_analytics_charts_carry_the_known_totals(console: Console) -> None:
    console.open("/apps/101/analytics?range=12m")
    console.wait("the analytics", lambda: console.text("[data-metric=new-customers] .metric-value"))
    # first paid within 2025-03-02 .. 2026-03-01: Alpha, Gamma, Eta, Theta, Iota, Kappa, Lambda
    assert console.text("[data-metric=new-customers] .metric-value") == "7"
    assert console.text("[data-testid=acquisition-total]") == "7 in all"
    assert console.text("[data-metric=active] .metric-value") == "6"
    assert console.text("[data-metric=total-mrr] .metric-value") == "€199.00 · $98.00"
    assert console.text("[data-testid=mrr-end-USD]") == "$98.00 at the end"
    net = console.js("return Array.from(document.querySelectorAll('table.movements-table[data-currency=USD] tbody tr'))"
                     ".map(r => r.cells[6].textContent)")
    # USD MRR 119.00 at the start (Beta 20 + Delta 99) and 98.00 at the end
    assert sum(Decimal(x.replace("$", "").replace(",", "")) for x in net) == Decimal("-21.00")
    for chart in ("acquisition-chart", "mrr-chart-USD", "movements-chart-USD", "mrr-chart-EUR"):
        assert console.wait(f"{chart} drawn", lambda chart=chart: console.canvas_ink(f"[data-testid={chart}]") > 200)
    assert console.js("return document.querySelectorAll('table.heatmap tbody tr').length") >= 5
    check_screen(console, "07-analytics")
    console.click(".range-controls button:nth-of-type(2)")  # 30 days
    console.wait("the 30-day range", lambda: "range=30d" in console.driver.current_url
                 and console.text("[data-metric=new-customers] .metric-value") == "0")


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_download_equals_the_apis_rows(console: Console, console_stack: RunningStack) -> None:
    console.open(f"{CUSTOMERS}?status=ACTIVE&sort=MRR&dir=DESC")
    console.wait_names(names(1, 2, 7, 9, 10, 11), ordered=False)
    href = console.wait("the export link", lambda: console.js(
        "const a = document.querySelector('[data-testid=export-view]'); return a && a.href"))
    response = httpx.get(href, timeout=30)  # a plain link: no Authorization header
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    api = graphql(console_stack, """query($app: ID!) { app(id: $app) { customers(filter: {status: [ACTIVE]},
        sort: {field: MRR, direction: DESC}, first: 100) {
          edges { node { shopId name mrr { amount currencyCode } } } } } }""",
                  {"app": APP})["app"]["customers"]["edges"]
    rows = _csv_rows(response.text)
    assert [(r["shop_id"], r["name"], r["mrr"], r["currency"]) for r in rows] == [
        (e["node"]["shopId"], e["node"]["name"], e["node"]["mrr"]["amount"], e["node"]["mrr"]["currencyCode"])
        for e in api]
    everything = httpx.get(console.js("return document.querySelector('[data-testid=export-all]').href"), timeout=30)
    assert len(_csv_rows(everything.text)) == len(EXPECTED) + 1  # every customer, the test shop included
    # the signature covers the query: another app or filter, or no signature, gets nothing
    parts = urlsplit(href)
    tampered = urlunsplit(parts._replace(query=parts.query.replace("status=ACTIVE", "status=CANCELLED")))
    assert httpx.get(tampered, timeout=30).status_code == 401
    unsigned = urlunsplit(parts._replace(query="appId=gid%3A%2F%2Fpartners%2FApp%2F101"))
    assert httpx.get(unsigned, timeout=30).status_code == 401


def test_an_unknown_path_and_a_revoked_key(console: Console) -> None:
    console.open("/apps/101/nowhere")
    assert "Page not found" in console.wait("the not-found page", lambda: console.text("main h1"))
    console.js("sessionStorage.setItem('crm.apiKey', 'crm_revoked_or_expired')")
    console.open(CUSTOMERS)
    console.wait("the sign-in page", lambda: "reason=expired" in console.driver.current_url)
    assert "no longer accepted" in console.text("main")
    console.driver.get_log("browser")  # the 401 that sent us here is expected
    console.js("sessionStorage.setItem('crm.apiKey', arguments[0])", KEY)
