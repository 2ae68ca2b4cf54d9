"""Whether the suite runs in CI (`CI=true`): there what a developer's machine may lack (a
PostgreSQL server, the shared ledger vectors) must be present, and its absence fails the
run instead of skipping the tests that need it."""

from __future__ import annotations

import os


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"
