"""Child process for the PIN-change kill test: changes the PIN and kills itself at one
file replacement.

Usage: ``python -m tests.pin_child ROOT PROFILE_ID OLD_PIN NEW_PIN KILL_AT WHEN``.
Unlocks with ``OLD_PIN``, then changes it to ``NEW_PIN``; the ``KILL_AT``-th atomic file
replacement of that change (counted from 1) is preceded (``WHEN`` = ``before``) or
followed (``after``) by SIGKILL. Prints ``done`` when the change finished without a kill.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from storage import Device, KdfParams


def main(argv: list[str]) -> int:
    root, profile_id, old_pin, new_pin, kill_at, when = argv
    vault = Device(Path(root), kdf=KdfParams.FAST_FOR_TESTS).unlock(profile_id, old_pin)
    real_replace = os.replace
    count = 0

    def replace(src: Any, dst: Any) -> None:
        nonlocal count
        count += 1
        if count == int(kill_at) and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        real_replace(src, dst)
        if count == int(kill_at) and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)

    os.replace = replace  # type: ignore[assignment]
    vault.change_pin(old_pin, new_pin)
    sys.stdout.write("done\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
