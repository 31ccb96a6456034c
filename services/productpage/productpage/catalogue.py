"""The one product Bookinfo sells, exactly as upstream hard-codes it
(docs/upstream-behaviour.md#productpage-json-api)."""
from __future__ import annotations

# descriptionHtml is our own constant and is rendered unescaped on the product page.
PRODUCT = {
    "id": 0,
    "title": "The Comedy of Errors",
    "descriptionHtml": (
        '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: '
        "The Comedy of Errors is one of <b>William Shakespeare's</b> early plays. It is his "
        "shortest and one of his most farcical comedies, with a major part of the humour coming "
        "from slapstick and mistaken identity, in addition to puns and word play."
    ),
}

PRODUCTS = [PRODUCT]
