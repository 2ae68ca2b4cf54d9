"""Where the shared ledger test vectors live (beside the checkout, never copied into it)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DIR = Path(os.environ.get("RELIEF_SHARED_DIR", REPO_ROOT.parent / "shared"))
VECTORS_DIR = SHARED_DIR / "ledger-vectors"


def load(name: str) -> dict[str, Any]:
    """One vector file, or skip the test when the shared data is not present."""
    path = VECTORS_DIR / name
    if not path.exists():
        pytest.skip(f"shared ledger vectors not found ({name})")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
