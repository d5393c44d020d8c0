"""Shared fixtures: a temporary data folder, the app served on loopback, Chromium."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import APP_ARTIFACTS, AppServer, Browser, chromium_path
from tests.clock_env import TODAY_ENV


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing: `python3 main.py test` installs it with apt-get")
        pytest.skip("Chromium is not installed")
    with Browser.launch(executable) as running:
        yield running


@pytest.fixture
def app_server(tmp_path: Path) -> Iterator[AppServer]:
    server = AppServer(tmp_path / "app-data")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    path = Path(os.environ.get("SAMTALE_ARTIFACTS", APP_ARTIFACTS))
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--today", metavar="YYYY-MM-DD", default=None,
                     help="the day the app's clock shows in every test (default: the real "
                          "date when the run starts)")


def pytest_configure(config: pytest.Config) -> None:
    day = config.getoption("--today")
    if day:
        dt.date.fromisoformat(day)  # a bad date stops the run before any test
        if "tests.clock" in sys.modules:
            raise pytest.UsageError("--today came after tests.clock was imported")
        os.environ[TODAY_ENV] = day


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Benchmarks run last: they load the disk with tens of thousands of files, and the
    write-back that follows would otherwise slow the timing-free tests after them."""
    items.sort(key=lambda item: "test_bench_" in item.nodeid)
