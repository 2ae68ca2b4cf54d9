"""Where the shared ledger test vectors live (beside the checkout, never copied into it)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.ci import in_ci

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DIR = Path(os.environ.get("RELIEF_SHARED_DIR", REPO_ROOT.parent / "shared"))
VECTORS_DIR = SHARED_DIR / "ledger-vectors"


def load(name: str) -> dict[str, Any]:
    """One vector file. Where it is missing, the tests of the module that loads it are
    skipped, except in CI (`CI=true`), where they fail: conformance tests never vanish
    from a CI run unnoticed."""
    path = VECTORS_DIR / name
    if not path.exists():
        message = f"shared ledger vectors not found ({path})"
        if in_ci():
            pytest.fail(message + " (required in CI)", pytrace=False)
        pytest.skip(message, allow_module_level=True)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
