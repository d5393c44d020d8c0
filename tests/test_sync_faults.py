"""Faults while syncing: the share cut at every single operation of a push and a pull, a
full share, and the app killed mid-sync. Afterwards a new sync must bring every vault to
the state an uninterrupted sync reaches: nothing lost, nothing half-written on the share."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conversations.model import Role
from storage import Device, KdfParams
from storage.schema import OUTBOX_KEY
from sync.engine import SyncEngine
from sync.folder import FolderShare
from sync.share import ShareFull, ShareUnavailable
from tests.sync_fixtures import (
    CutShare,
    Person,
    anyone_writes,
    conversation,
    directory_of,
    make_person,
    minutes,
    preparation,
    records_of,
    revised,
    share_in,
    unverifiable_files,
)
from tests.vault_fixtures import PIN, FakeClock

PROJECT = Path(__file__).resolve().parent.parent
CONVERSATION = "c0" * 16


class Office:
    """Emma, her leader Lars and her colleague Olga; a conversation already set up."""

    def __init__(self, tmp: Path) -> None:
        self.folder = share_in(tmp)
        self.cut = CutShare(self.folder)
        self.people = {
            "emma": make_person(tmp, "emma"),
            "lars": make_person(tmp, "lars", Role.LEADER),
            "olga": make_person(tmp, "olga"),
        }
        self.directory = directory_of(self.people.values(), {"emma": "lars", "olga": "lars"})
        self.first_round = 0
        self.engines = {
            pid: p.engine(self.cut, self.directory, clock=FakeClock(), rights=anyone_writes)
            for pid, p in self.people.items()
        }
        self.engines["lars"].publish(
            CONVERSATION, "conversation", conversation("emma", "lars", CONVERSATION)
        )
        for pid in ("lars", "emma", "olga"):
            self.engines[pid].sync()
        prep = preparation(CONVERSATION, "emma", {"q1": "start"}, record_id="p" * 32)
        self.engines["emma"].publish(CONVERSATION, "preparations", prep)
        self.engines["emma"].sync()
        self.engines["lars"].sync()
        # what the interrupted syncs must move: new records, and one edited on both sides
        emma, lars = self.engines["emma"], self.engines["lars"]
        emma.publish(CONVERSATION, "preparations", revised(prep, answers={"q1": "Emma"}))
        lars.publish(CONVERSATION, "preparations", revised(prep, answers={"q1": "Lars"}))
        for i in range(3):
            emma.publish(CONVERSATION, "minutes",
                         minutes(CONVERSATION, "emma", {"t": f"e{i}"}, record_id=f"{i:032x}"))
        lars.publish(CONVERSATION, "minutes",
                     minutes(CONVERSATION, "lars", {"t": "l"}, record_id="f" * 32))
        emma.publish(CONVERSATION, "preparations", preparation(
            CONVERSATION, "emma", {"q": "privat"}, shared=False, record_id="e" * 32))

    STEPS = ("emma", "lars", "emma", "olga", "lars")

    def run(self) -> None:
        """The syncs under test, then the same again. A cut sync is not tried again at
        once: the others sync first and see whatever the cut left on the share."""
        for step, pid in enumerate(self.STEPS + self.STEPS):
            if step == len(self.STEPS):
                self.first_round = self.cut.count
            try:
                self.engines[pid].sync()
            except ShareUnavailable:
                self.cut.reconnect()

    def state(self) -> dict[str, Any]:
        return {pid: records_of(p.vault) for pid, p in self.people.items()}

    def outboxes(self) -> list[int]:
        return [engine.pending() for engine in self.engines.values()]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], int]:
    office = Office(tmp_path_factory.mktemp("reference"))
    office.cut.count = 0
    office.run()
    return office.state(), office.first_round  # the first round moves everything


def test_the_reference_run_moves_everything_and_keeps_the_conflict(
    uninterrupted: tuple[dict[str, Any], int],
) -> None:
    state, operations = uninterrupted
    assert operations > 20
    lars = state["lars"][CONVERSATION]
    assert set(lars["minutes"]) == {f"{i:032x}" for i in range(3)} | {"f" * 32}
    assert "e" * 32 not in lars["preparations"]
    assert len(lars["conflicts"]) == 1
    assert state["olga"] == {}
    assert state["emma"][CONVERSATION] == lars | {
        "preparations": state["emma"][CONVERSATION]["preparations"]
    }


@pytest.mark.parametrize("mode", ["before", "after", "partial"])
def test_a_share_cut_at_any_operation_of_push_or_pull_loses_nothing(
    tmp_path: Path, mode: str, uninterrupted: tuple[dict[str, Any], int]
) -> None:
    expected, operations = uninterrupted
    for cut_at in range(1, operations + 1):
        office = Office(tmp_path / f"{mode}-{cut_at}")
        office.cut.count = 0
        office.cut.cut_at = cut_at
        office.run()
        assert office.cut.count >= cut_at, "the cut never happened"
        assert office.state() == expected, f"cut at operation {cut_at}"
        assert office.outboxes() == [0, 0, 0]
        assert unverifiable_files(office.folder.root) == []


class FullShare(CutShare):
    """Refuses writes as full while ``full``; ``only`` limits that to paths under it."""

    def __init__(self, share: FolderShare, only: str = "") -> None:
        super().__init__(share)
        self.full = True
        self.only = only

    def write_once(self, path: str, data: bytes) -> bool:
        if self.full and path.startswith(self.only):
            raise ShareFull("no room")
        return self.share.write_once(path, data)


@pytest.mark.parametrize("only", ["", "journals/", "inboxes/"])
def test_a_full_share_keeps_the_outbox_and_a_later_sync_delivers(
    tmp_path: Path, only: str
) -> None:
    office = Office(tmp_path)
    full = FullShare(office.folder, only)
    emma = office.people["emma"].engine(full, office.directory, clock=FakeClock())
    waiting = emma.pending()
    with pytest.raises(ShareFull):
        emma.sync()
    assert emma.pending() == waiting
    full.full = False
    assert emma.sync().pushed == waiting
    assert emma.pending() == 0
    office.engines["lars"].sync()
    lars = records_of(office.people["lars"].vault)[CONVERSATION]
    assert set(lars["minutes"]) == {f"{i:032x}" for i in range(3)} | {"f" * 32}
    assert unverifiable_files(office.folder.root) == []


# -- killed mid-sync ---------------------------------------------------------------------


def child_command(person: Person, share: Path, directory: Path, seed: int) -> list[str]:
    return [sys.executable, "-m", "tests.sync_child", str(person.root), person.profile_id, PIN,
            str(share), str(directory), person.id, CONVERSATION, str(seed)]


def unlock(person: Person) -> Any:
    return Device(person.root, kdf=KdfParams.FAST_FOR_TESTS, clock=FakeClock(time.time())
                  ).unlock(person.profile_id, PIN)


@pytest.mark.slow
def test_killed_mid_sync_a_new_sync_converges(tmp_path: Path) -> None:
    kills = 30
    rng = random.Random(20261122)
    share = share_in(tmp_path)
    emma = make_person(tmp_path, "emma", Role.LEADER)  # she writes the minutes
    lars = make_person(tmp_path, "lars")
    directory = directory_of([emma, lars], {"lars": "emma"})
    directory_file = tmp_path / "directory.json"
    directory_file.write_text(json.dumps(directory.to_dict()))
    emma_engine = emma.engine(share, directory, clock=FakeClock())
    emma_engine.publish(CONVERSATION, "conversation", conversation("lars", "emma", CONVERSATION))
    emma_engine.sync()
    lars_engine = lars.engine(share, directory, clock=FakeClock())
    lars_engine.sync()
    emma.vault.lock()
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    synced = interrupted = 0
    started = time.monotonic()
    for kill in range(kills):
        child = subprocess.Popen(child_command(emma, share.root, directory_file, kill),
                                 stdout=subprocess.PIPE, cwd=PROJECT, env=env)
        assert child.stdout is not None
        assert child.stdout.readline() == b"ready\n", "child did not start"
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        output, _ = child.communicate()
        assert child.returncode == -signal.SIGKILL
        synced += output.count(b"synced")
        vault = unlock(emma)
        engine = SyncEngine(vault, share, directory, "emma", clock=FakeClock())
        interrupted += engine.sync().pushed > 0
        lars_engine.sync()
        mine = vault.read_shard(CONVERSATION).get("minutes", {})
        assert engine.pending() == 0 and vault.get_meta(OUTBOX_KEY)["items"] == []
        assert lars.vault.read_shard(CONVERSATION).get("minutes", {}) == mine, f"kill {kill}"
        assert unverifiable_files(share.root) == []
        vault.lock()
    assert synced > kills, "too few syncs between kills to mean anything"
    assert interrupted > 0, "no kill landed between a publish and its push"
    print(f"{kills} kills, {synced} syncs acknowledged, {interrupted} left work in the outbox, "
          f"{time.monotonic() - started:.1f} s")
