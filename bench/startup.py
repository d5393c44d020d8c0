"""Start-up benchmark: time from starting the run command to its first answered page,
which heavy modules it loaded on the way (``-X importtime``): fpdf costs ~0.45 s and
is only needed when someone exports a PDF; and how many bytes a browser with an empty
cache fetches before the first screen can be used (Chromium's own count of what came
over the wire, so compression shows).

Run: ``python main.py bench startup [--quick]``.
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.browser import AppServer, Browser, chromium_path, first_load_bytes

ROOT = Path(__file__).resolve().parent.parent
STARTUP_BUDGET_S = 3.0
FIRST_LOAD_BUDGET = 5_000_000  # bytes over the wire
NOT_AT_STARTUP = ("fpdf",)


def main(argv: list[str]) -> int:
    runs = 3 if "--quick" in argv else 7
    times: list[float] = []
    loaded: set[str] = set()
    print(f"{'run':>4} | {'to serving':>10}")
    for run in range(1, runs + 1):
        with tempfile.TemporaryDirectory() as data, tempfile.TemporaryFile() as log:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            began = time.perf_counter()
            child = subprocess.Popen(
                [sys.executable, "-X", "importtime", str(ROOT / "main.py"), "--data", data,
                 "--port", str(port)],
                stdout=subprocess.DEVNULL, stderr=log, cwd=ROOT,
            )
            try:
                while True:
                    try:
                        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
                        break
                    except OSError:
                        if child.poll() is not None or time.perf_counter() - began > 60:
                            print("the app did not start")
                            return 1
                        time.sleep(0.02)
                times.append(time.perf_counter() - began)
            finally:
                child.terminate()
                child.wait(timeout=15)
            log.seek(0)
            for line in log.read().decode(errors="replace").splitlines():
                name = line.rsplit("|", 1)[-1].strip()
                if name.split(".")[0] in NOT_AT_STARTUP:
                    loaded.add(name.split(".")[0])
        print(f"{run:>4} | {times[-1]:>8.2f} s")
    median = statistics.median(times)
    print(f"median {median:.2f} s to serving (budget {STARTUP_BUDGET_S:.1f} s); "
          f"min {min(times):.2f} s, max {max(times):.2f} s")
    heavy = ", ".join(sorted(loaded)) or "none of " + ", ".join(NOT_AT_STARTUP)
    print(f"imported at start-up: {heavy}")
    wire = first_load()
    passed = median <= STARTUP_BUDGET_S and not loaded and wire is not None \
        and wire <= FIRST_LOAD_BUDGET
    print(f"bench startup: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


def first_load() -> int | None:
    """Bytes over the wire for a first visit, printed with what they unpack to."""
    executable = chromium_path()
    if executable is None:
        print("first load: not measured (Chromium is missing; `python3 main.py test` "
              "installs it)")
        return None
    with tempfile.TemporaryDirectory() as data:
        server = AppServer(Path(data))
        server.start()
        try:
            with Browser.launch(executable) as browser:
                first_load_bytes(browser, server.url)  # the app compresses the client once
                wire, unpacked = first_load_bytes(browser, server.url)
        finally:
            server.stop()
    print(f"first load in a browser with an empty cache: {wire / 1e6:.2f} MB over the "
          f"wire ({unpacked / 1e6:.2f} MB unpacked; budget {FIRST_LOAD_BUDGET / 1e6:.0f} MB)")
    return wire
