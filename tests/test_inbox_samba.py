"""Over a real Samba share on loopback, a sync costs what is new for its person: after
colleagues pushed to each other, Mette's sync reads her inbox and the envelopes for her —
nothing of anyone else's activity."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from conversations.model import Role
from sync.folder import FolderShare
from sync.inbox import inbox_folder, inbox_of
from tests.samba import SambaServer, samba_fixture, samba_server_fixture  # noqa: F401
from tests.sync_fixtures import (
    CountingShare,
    conversation,
    directory_of,
    make_person,
    preparation,
)

COLLEAGUES = 8


def test_over_samba_a_sync_reads_only_the_inbox_whatever_the_others_pushed(
    samba: SambaServer, tmp_path: Path,
) -> None:
    from sync.smb import SmbShare  # needs smbprotocol, which the samba fixture checked

    folder = f"busy-{tmp_path.name}"
    root = samba.share_dir / folder
    root.mkdir()
    try:
        mette = make_person(tmp_path, "mette", Role.LEADER)
        anna = make_person(tmp_path, "anna")
        others = [make_person(tmp_path, f"c{i}") for i in range(COLLEAGUES)]
        directory = directory_of([mette, anna, *others], {"anna": "mette"})
        local = FolderShare(root)  # the colleagues' pushes, written beside the server
        shard = "3a" * 16
        mette_local = mette.engine(local, directory)
        mette_local.publish(shard, "conversation", conversation("anna", "mette", shard))
        mette_local.sync()
        anna_engine = anna.engine(local, directory)
        anna_engine.sync()
        for n, colleague in enumerate(others):
            own = f"{n + 1:032x}"
            engine = colleague.engine(local, directory)
            engine.publish(own, "conversation", conversation(colleague.id, colleague.id, own))
            for push in range(5):
                for k in range(4):
                    engine.publish(own, "preparations", preparation(
                        own, colleague.id, {"q": f"{push}-{k}"}, shared=False))
                engine.sync()
        for k in range(3):
            anna_engine.publish(shard, "preparations",
                                preparation(shard, "anna", {"q": f"til Mette {k}"}))
        anna_engine.sync()
        smb = SmbShare(samba.location(folder), username=samba.username,
                       password=samba.password)
        counting = CountingShare(smb)
        began = time.perf_counter()
        report = mette.engine(counting, directory).sync()
        took = time.perf_counter() - began
        smb.close()
        assert report.pulled == 3
        inbox = inbox_folder(inbox_of(mette.identity.public().enc))
        assert all(path.startswith((inbox + "/", "objects/")) for _op, path in counting.calls)
        assert len(counting.calls) == 2 + 3  # her new entry, the empty slot after, 3 envelopes
        assert took < 2.0
    finally:
        shutil.rmtree(root, ignore_errors=True)
