"""Child process for the kill test: autosaves in a loop and acknowledges each save.

Usage: ``python -m tests.storage_child ROOT PROFILE_ID PIN FIRST_NUMBER SEED``.
Prints ``ready`` once unlocked, then one line per save *after* the call returned:

    rec <shard> <table> <record id> <n>
    cat <conversation id> <n>
    meta <key> <n>

Numbers only grow, so after a kill every acknowledged ``n`` must be on disk (or a later one).
"""

from __future__ import annotations

import random
import sys
import uuid
from pathlib import Path

from storage import Device

SHARDS = [f"{i:02x}" * 16 for i in (0x0A, 0x1B, 0x2C, 0x3D, 0xE4, 0xF5)]
ANSWER = "Jeg vil gerne have mere tid til faglig sparring med kollegerne. " * 40


def main(argv: list[str]) -> int:
    root, profile_id, pin, first, seed = argv
    rng = random.Random(int(seed))
    vault = Device(Path(root)).unlock(profile_id, pin)
    say("ready")
    n = int(first)
    while True:
        n += 1
        roll = rng.random()
        shard = rng.choice(SHARDS)
        if roll < 0.70:
            rid = f"r{rng.randrange(3)}"
            vault.put_record(
                shard, "preparations", {"id": rid, "n": n, "q1": ANSWER[: rng.randrange(4000)]}
            )
            say(f"rec {shard} preparations {rid} {n}")
        elif roll < 0.80:
            vault.put_records(shard, "goals", [{"id": f"g{i}", "n": n} for i in range(5)])
            for i in range(5):
                say(f"rec {shard} goals g{i} {n}")
        elif roll < 0.90:
            other = rng.choice(SHARDS)
            vault.put_index({shard: {"n": n}, other: {"n": n}})
            say(f"cat {shard} {n}")
            say(f"cat {other} {n}")
        elif roll < 0.95:
            vault.put_meta("settings", {"n": n})
            say(f"meta settings {n}")
        else:
            fresh = uuid.uuid4().hex
            vault.put_record(fresh, "preparations", {"id": "r0", "n": n})
            say(f"rec {fresh} preparations r0 {n}")


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
