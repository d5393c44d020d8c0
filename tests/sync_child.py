"""Child process for the sync kill test: publishes and syncs in a loop until killed.

Usage: ``python -m tests.sync_child ROOT PROFILE_ID PIN SHARE DIRECTORY_JSON ME SHARD SEED``.
Prints ``ready`` once unlocked, then ``synced <n>`` after each sync returned. Each round
publishes a new version of one of a few minutes records (or the first one), then syncs.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

from conversations.directory import Directory
from conversations.merge import version_of
from storage import Device, KdfParams
from sync.engine import SyncEngine
from sync.folder import FolderShare

RECORDS = [f"{i:032x}" for i in range(1, 6)]
NOTE = "Vi aftalte faglig sparring hver 14. dag og et kursus i sårpleje. " * 10


def main(argv: list[str]) -> int:
    root, profile_id, pin, share, directory_json, me, shard, seed = argv
    rng = random.Random(int(seed))
    vault = Device(Path(root), kdf=KdfParams.FAST_FOR_TESTS).unlock(profile_id, pin)
    directory = Directory.from_dict(json.loads(Path(directory_json).read_text()))
    engine = SyncEngine(vault, FolderShare(share), directory, me)
    say("ready")
    n = 0
    while True:
        n += 1
        rid = rng.choice(RECORDS)
        current = vault.read_shard(shard).get("minutes", {}).get(rid)
        engine.publish(shard, "minutes", next_version(current, rid, me, shard, rng))
        engine.sync()
        say(f"synced {n}")


def next_version(
    current: dict[str, Any] | None, rid: str, me: str, shard: str, rng: random.Random
) -> dict[str, Any]:
    record: dict[str, Any]
    if current is None:
        record = {"id": rid, "type": "minutes", "author": me, "parents": [],
                  "conversation_id": shard, "notes": {}}
    else:
        record = {k: v for k, v in current.items() if k != "version"}
        record["parents"] = [current["version"]]
    record["notes"] = {**record["notes"], f"t{rng.randrange(4)}": NOTE[: rng.randrange(600)]}
    record["version"] = version_of(record)
    return record


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
