"""Wrong-PIN attempts: the persisted failure count and the growing delay it imposes.

The count lives in its own small file next to the header (``attempts``), written
atomically, so a wrong PIN never rewrites the header. It is not secret and not
authenticated: it slows down guessing at the screen; against someone who copies the files,
Argon2id is the protection. A damaged count is read as three failures long ago — the next
wrong PIN then waits — so damage neither locks a person out nor resets the brake.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from storage.files import read_file, replace_file

FREE_ATTEMPTS = 3
FIRST_DELAY = 30.0
MAX_DELAY = 15 * 60.0


@dataclass(frozen=True)
class Attempts:
    """Failures in a row, and when the last one began (clock seconds)."""

    failures: int = 0
    last: float = 0.0

    def delay(self) -> float:
        """The wait that ``failures`` earn: 0, then 30 s, 60 s, 120 s ... capped at 15 min."""
        if self.failures < FREE_ATTEMPTS:
            return 0.0
        return min(FIRST_DELAY * 2.0 ** (self.failures - FREE_ATTEMPTS), MAX_DELAY)

    def wait(self, now: float) -> float:
        """Seconds until the next attempt is allowed; a clock set back never waits longer."""
        delay = self.delay()
        return min(delay, max(0.0, delay - (now - self.last)))

    def failed(self, now: float) -> Attempts:
        return Attempts(self.failures + 1, now)


_DAMAGED = Attempts(failures=FREE_ATTEMPTS, last=0.0)


def read_attempts(path: Path, *, label: str) -> Attempts:
    """The count in ``path``; ReadFailed (naming ``label``) when the system refuses it."""
    data = read_file(path, label=label)
    if data is None:
        return Attempts()
    try:
        raw = json.loads(data)
        failures, last = raw["failures"], raw["last"]
    except (ValueError, TypeError, KeyError):
        return _DAMAGED
    if type(failures) is not int or failures < 0 or type(last) not in (int, float):
        return _DAMAGED
    return Attempts(failures, float(last))


def write_attempts(path: Path, attempts: Attempts, *, label: str) -> None:
    body = json.dumps({"failures": attempts.failures, "last": attempts.last}).encode()
    replace_file(path, body, label=label)
