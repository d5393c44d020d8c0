"""The first load of the web client over the wire: compressed, within 5 MB."""

from __future__ import annotations

import pytest

from tests.browser import AppServer, Browser, first_load_bytes

pytestmark = pytest.mark.browser
FIRST_LOAD_BUDGET = 5_000_000


def test_the_first_load_arrives_compressed_within_five_megabytes(
    browser: Browser, app_server: AppServer
) -> None:
    wire, unpacked = first_load_bytes(browser, app_server.url)
    print(f"first load: {wire / 1e6:.2f} MB over the wire, {unpacked / 1e6:.2f} MB unpacked")
    assert wire <= FIRST_LOAD_BUDGET, f"{wire / 1e6:.2f} MB"
    assert wire < unpacked / 2
