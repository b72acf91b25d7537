"""Fixtures of the web tests (the Flask test client layer)."""
import pytest

from tests.web.matrix import open_world


@pytest.fixture(scope="module")
def world(app):
    """The permission matrix's world (``tests/web/matrix.py``), built once per module."""
    with open_world(app) as built:
        yield built
