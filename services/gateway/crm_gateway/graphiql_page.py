"""The GraphiQL page, with its JavaScript and CSS served from this package (no CDN needed).

Open ``/graphql#key=<api key>`` to preset the Authorization header (the
fragment never leaves the browser), or type the header in GraphiQL's header
editor.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
ASSET_PREFIX = "/static/graphiql"

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Merchant CRM — GraphiQL</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="{p}/graphiql.min.css">
  <style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="{p}/react.production.min.js"></script>
  <script src="{p}/react-dom.production.min.js"></script>
  <script src="{p}/graphiql.min.js"></script>
  <script>
    (function () {{
      var params = new URLSearchParams(window.location.hash.slice(1));
      var key = params.get("key");
      var headers = key ? JSON.stringify({{"Authorization": "Bearer " + key}}, null, 2) : undefined;
      var fetcher = GraphiQL.createFetcher({{url: window.location.pathname}});
      var defaultQuery = "# Your apps and their newest customers\\n" +
        "query {{\\n  apps {{\\n    id\\n    name\\n    customers(first: 5) {{\\n      totalCount\\n" +
        "      edges {{ node {{ name domain status plan mrr {{ amount currencyCode }} }} }}\\n    }}\\n  }}\\n}}\\n";
      var root = ReactDOM.createRoot(document.getElementById("graphiql"));
      root.render(React.createElement(GraphiQL, {{
        fetcher: fetcher,
        defaultQuery: defaultQuery,
        headers: headers,
        shouldPersistHeaders: true,
        defaultEditorToolsVisibility: true,
      }}));
    }})();
  </script>
</body>
</html>
"""


@lru_cache(maxsize=1)
def graphiql_html() -> str:
    """The GraphiQL HTML page."""
    return _PAGE.format(p=ASSET_PREFIX)
