"""Each ported test draws its random points and directions from fresh generators, so what
it checks does not depend on which tests ran before it in the same process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import hips_checks


@pytest.fixture(autouse=True)
def _fresh_random_directions() -> Iterator[None]:
    hips_checks.reseed()
    yield
