"""Dispatch tests run the solver with a short time limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from core.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url="sqlite://",
        token_secret=SecretStr("test-secret-" + "x" * 40),
        routing_time_limit_s=1.0,
        allocation_time_limit_s=10.0,
    )
