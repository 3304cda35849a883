"""Shared fixtures: one headless Chromium per test process (see tests/browser.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser import Browser, browser_session


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    yield from browser_session()
