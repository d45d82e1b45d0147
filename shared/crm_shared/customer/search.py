"""Lower-cased search keys of a customer (indexed prefix search, docs/customer-rules.md, Lists).

``search_terms`` holds every word of the shop name (split on anything that is
not a letter or digit), the full domain, the domain's first label, the email
and its local part — so a prefix range query on one multikey index answers
"prefix of any word of the name, of the domain, or of the email".
"""

from __future__ import annotations

import re

_NON_ALNUM = re.compile(r"[\W_]+")


def search_terms(name: str | None, domain: str | None, email: str | None) -> list[str]:
    """The sorted, distinct lower-cased prefix-search terms."""
    terms: set[str] = set()
    if name:
        # Whitespace is never a word character and `str.isalnum` is the regex's [^\W_]
        # (both are Py_UNICODE_ISALNUM), so only words with punctuation need the regex.
        for word in name.lower().split():
            if word.isalnum():
                terms.add(word)
            else:
                terms.update(_NON_ALNUM.split(word))
    if domain:
        domain_lc = domain.lower()
        terms.add(domain_lc)
        terms.add(domain_lc.split(".", 1)[0])
    if email:
        email_lc = email.lower()
        terms.add(email_lc)
        terms.add(email_lc.split("@", 1)[0])
    terms.discard("")
    return sorted(terms)


def lower_or_none(value: str | None) -> str | None:
    """``value.lower()``, or None."""
    return value.lower() if value is not None else None
