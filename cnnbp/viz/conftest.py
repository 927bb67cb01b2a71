"""pytest configuration for the examples of :mod:`cnnbp.viz`, shipped with the package.

The figure helpers draw with matplotlib, which only the ``viz`` extra installs
(``pip install "cnnbp[viz]"``). Without it, ``pytest --doctest-modules --pyargs cnnbp`` on an
installed cnnbp skips these examples and says why, instead of failing on the import.
"""

import pytest


@pytest.fixture(autouse=True)
def _needs_matplotlib():
    pytest.importorskip("matplotlib", reason="cnnbp.viz draws with matplotlib: pip install 'cnnbp[viz]'")
