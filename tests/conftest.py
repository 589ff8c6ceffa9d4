"""Shared test fixtures."""

import importlib.util
import os

import pytest

from townmerge.testing import chromium_path


@pytest.fixture(scope="session")
def browser() -> None:
    """Skip a browser test when Chromium or playwright is missing; under CI=true, fail instead."""
    reason = None
    if importlib.util.find_spec("playwright") is None:
        reason = "the Python package playwright is not installed"
    elif chromium_path() is None:
        reason = "Chromium not found (apt-get install chromium, or set TOWNMERGE_CHROMIUM)"
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true, so browser tests must run, not skip")
        pytest.skip(reason)
