"""Fixtures of the web tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def web(client):
    """The test client, asking for English pages."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
