"""The registration rush through the JSON API.

python -m bench.registration_rush --db postgresql --workers 3 --clients 64 --seconds 60
"""

from __future__ import annotations

import sys

from bench.rush import main

if __name__ == "__main__":
    sys.exit(
        main(
            "api",
            "registration_rush",
            "POST /api/v1/forums/<slug>/registrations from many clients, against the floor.",
        )
    )
