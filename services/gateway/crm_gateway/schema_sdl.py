"""Print the GraphQL schema as SDL: ``python -m crm_gateway.schema_sdl [PATH]``.

The web console's code generator reads the committed ``web/schema.graphql``
(written by this module), so building the console needs no running server; a
test fails when the committed file and the schema drift apart.
"""

from __future__ import annotations

import sys
from pathlib import Path


def schema_sdl() -> str:
    """The development schema (introspection on) as SDL text, newline-terminated."""
    from crm_gateway.graphql.schema import make_schema

    return make_schema(production=False).as_str().rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    """Write the SDL to the path given, or print it."""
    text = schema_sdl()
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
