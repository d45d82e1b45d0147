"""Validation errors worded as production (graphql-ruby) words them.

graphql-core says ``Cannot query field 'endCursor' on type 'PageInfo'.``;
Shopify says ``Field 'endCursor' doesn't exist on type 'PageInfo'`` with
``extensions.code = "undefinedField"``. The common cases are translated; anything
else keeps graphql-core's message.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLError

_UNDEFINED_FIELD = re.compile(r"^Cannot query field '([^']+)' on type '([^']+)'\.")
_UNKNOWN_ARG = re.compile(r"^Unknown argument '([^']+)' on field '([^'.]+)\.([^']+)'\.")
_MISSING_ARG = re.compile(r"^Argument '([^'.]+)\.([^'(]+)\(([^:]+):\)' of type '[^']+' is required")


def production_error(error: GraphQLError) -> dict[str, Any]:
    """One validation error as the production API formats it."""
    out: dict[str, Any] = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    m = _UNDEFINED_FIELD.match(error.message)
    if m:
        field, type_name = m.groups()
        out["message"] = f"Field '{field}' doesn't exist on type '{type_name}'"
        out["extensions"] = {"code": "undefinedField", "typeName": type_name, "fieldName": field}
        return out
    m = _UNKNOWN_ARG.match(error.message)
    if m:
        arg, _type_name, field = m.groups()
        out["message"] = f"Field '{field}' doesn't accept argument '{arg}'"
        out["extensions"] = {"code": "argumentNotAccepted", "name": field, "typeName": "Field", "argumentName": arg}
        return out
    m = _MISSING_ARG.match(error.message)
    if m:
        _type_name, field, arg = m.groups()
        out["message"] = f"Field '{field}' is missing required arguments: {arg}"
        out["extensions"] = {"code": "missingRequiredArguments", "className": "Field", "name": field, "arguments": arg}
        return out
    return out
