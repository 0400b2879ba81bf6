"""The benchmark scripts live in `bench/` at the top of the repository, outside the installed
packages: make them importable however pytest is started (`pytest` or `python -m pytest`)."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
