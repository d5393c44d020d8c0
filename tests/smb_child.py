"""Child process for the SMB test under ``CRYPTOGRAPHY_OPENSSL_NO_LEGACY=1`` (as on a phone).

Usage: ``python -m tests.smb_child TMP LOCATION USER PASSWORD``. Lars plans a MUS, Emma
publishes a shared preparation and syncs over SMB (push); Lars syncs (pull) and must
read it. Prints
``pushed <n> pulled <m>``; exits non-zero on any failure.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from conversations.model import Role
from sync.engine import SyncEngine
from sync.smb import SmbShare
from tests.sync_fixtures import (
    Person,
    conversation,
    directory_of,
    make_person,
    preparation,
    records_of,
)

CONVERSATION = "5c" * 16


def main(argv: list[str]) -> int:
    tmp, location, user, password = argv
    assert os.environ.get("CRYPTOGRAPHY_OPENSSL_NO_LEGACY") == "1"
    emma = make_person(Path(tmp), "emma", Role.EMPLOYEE)
    lars = make_person(Path(tmp), "lars", Role.LEADER)
    directory = directory_of([emma, lars], {"emma": "lars"})

    def engine(person: Person) -> SyncEngine:
        return person.engine(SmbShare(location, username=user, password=password), directory)

    on_emmas_tablet, on_lars_tablet = engine(emma), engine(lars)
    # Lars plans the conversation (only its leader may); Emma fetches it, prepares and
    # shares; Lars fetches her preparation.
    on_lars_tablet.publish(CONVERSATION, "conversation", conversation("emma", "lars",
                                                                        CONVERSATION))
    planned, fetched = on_lars_tablet.sync(), on_emmas_tablet.sync()
    prep = preparation(CONVERSATION, "emma", {"q1": "Mere sparring"}, shared=True)
    on_emmas_tablet.publish(CONVERSATION, "preparations", prep)
    shared, read = on_emmas_tablet.sync(), on_lars_tablet.sync()
    pushed = planned.pushed + fetched.pushed + shared.pushed
    pulled = fetched.pulled + read.pulled
    got = records_of(lars.vault).get(CONVERSATION, {}).get("preparations", {})
    if got != {prep["id"]: prep}:
        print(f"lars did not get the preparation: {sorted(got)}")
        return 1
    print(f"pushed {pushed} pulled {pulled}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
