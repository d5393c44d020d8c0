"""Runs ``main.py bench NAME --quick`` the way a person would, for the bench tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def quick_bench(name: str, *args: str, timeout: int = 600) -> str:
    """The bench's output; fails the test unless it ended with ``bench NAME: PASS``."""
    result = subprocess.run(
        [sys.executable, "main.py", "bench", name, "--quick", *args],
        cwd=PROJECT, capture_output=True, text=True, timeout=timeout, check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert out.rstrip().endswith(f"bench {name}: PASS"), out
    return out
