"""The registration rush through the web form: GET the form, POST it with its CSRF token, each
client keeping its session cookie.

    python -m bench.form_rush --db postgresql --workers 3 --clients 64 --seconds 60
"""

from __future__ import annotations

import sys

from bench.rush import main

if __name__ == "__main__":
    sys.exit(
        main(
            "form",
            "form_rush",
            "GET /forums/<slug>/register, then POST it with its CSRF token, against the floor.",
        )
    )
