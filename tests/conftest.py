"""Shared pytest fixtures: keep this small and generic."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A freshly seeded generator per test, so every test is reproducible on its own."""
    return np.random.default_rng(20180209)
