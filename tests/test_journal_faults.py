"""Journals nobody can block, on a folder share and on a real Samba share on loopback.

Anna pushes her answers one segment at a time; someone with write access to the share
(Kim, a colleague, or the file server's administrator) squats her next slot, deletes,
swaps, replays or spoils her segments. Whatever they do, every genuine answer reaches
Mette, Anna's own pushes never get stuck, and each problem is reported once.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conversations.model import Role
from sync.engine import JournalProblem, SyncEngine, SyncReport
from sync.folder import FolderShare
from sync.journal import make_segment, segment_path
from sync.share import Share
from tests.samba import SambaServer, samba_fixture, samba_server_fixture  # noqa: F401
from tests.sync_fixtures import Person, conversation, directory_of, make_person, preparation

CONVERSATION = "5c" * 16


@dataclass
class Office:
    share: Share
    root: Path  # the same files as the file server sees them
    people: dict[str, Person]
    engines: dict[str, SyncEngine]
    answers: list[str]

    @property
    def anna_device(self) -> str:
        return self.people["anna"].device

    def slot(self, seq: int) -> Path:
        return self.root / segment_path(self.anna_device, seq)

    def push(self) -> SyncReport:
        """Anna shares one more answer: one more segment of her journal."""
        record = preparation(CONVERSATION, "anna", {"q1": f"svar {len(self.answers)}"})
        self.answers.append(record["id"])
        self.engines["anna"].publish(CONVERSATION, "preparations", record)
        report = self.engines["anna"].sync()
        assert report.pushed == 1
        return report

    def mette_has(self) -> set[str]:
        shard = self.people["mette"].vault.read_shard(CONVERSATION)
        return set(shard.get("preparations", {}))


@pytest.fixture(params=["folder", "samba"])
def office(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Office]:
    if request.param == "folder":
        root = tmp_path / "share"
        root.mkdir()
        make_share: Callable[[], Share] = lambda: FolderShare(root)  # noqa: E731
    else:
        samba: SambaServer = request.getfixturevalue("samba")
        from sync.smb import SmbShare

        folder = f"journal-{tmp_path.name}"
        root = samba.share_dir / folder
        root.mkdir()
        make_share = lambda: SmbShare(  # noqa: E731
            samba.location(folder), username=samba.username, password=samba.password)
    people = {
        "mette": make_person(tmp_path, "mette", Role.LEADER),
        "anna": make_person(tmp_path, "anna"),
        "kim": make_person(tmp_path, "kim"),
    }
    directory = directory_of(people.values(), {"anna": "mette", "kim": "mette"})
    share = make_share()
    engines = {pid: people[pid].engine(share, directory) for pid in ("mette", "anna")}
    engines["mette"].publish(CONVERSATION, "conversation",
                             conversation("anna", "mette", CONVERSATION))
    engines["mette"].sync()
    engines["anna"].sync()
    yield Office(share, root, people, engines, [])
    if request.param == "samba":
        shutil.rmtree(root, ignore_errors=True)


def problems(reports: list[SyncReport]) -> Counter[JournalProblem]:
    return Counter(p for r in reports for p in r.journal_problems)


def mette_reads_everything(office: Office, *expected: JournalProblem) -> None:
    """Two syncs of Mette's: every answer arrives, each problem is reported once."""
    reports = [office.engines["mette"].sync(), office.engines["mette"].sync()]
    assert office.mette_has() == set(office.answers)
    assert problems(reports) == Counter(expected)
    assert not any(r.refused for r in reports)


def test_a_squatted_next_slot_holds_up_neither_writer_nor_reader(office: Office) -> None:
    office.push()
    kim = office.people["kim"]
    squat = make_segment(kim.identity, sender="kim", device=office.anna_device, seq=2,
                         objects=[])
    assert office.share.write_once(segment_path(office.anna_device, 2), squat)
    office.push()  # goes to slot 3
    office.push()
    assert office.slot(4).exists()
    mette_reads_everything(office, JournalProblem(office.anna_device, 2, 2, "foreign"))


def test_garbage_in_a_slot_is_passed(office: Office) -> None:
    office.push()
    assert office.share.write_once(segment_path(office.anna_device, 2), b"\x00junk" * 40)
    office.push()
    mette_reads_everything(office, JournalProblem(office.anna_device, 2, 2, "bad_format"))


def test_a_deleted_segment_loses_nothing_and_is_reported_with_its_number(
    office: Office,
) -> None:
    for _ in range(4):
        office.push()
    office.slot(2).unlink()
    mette_reads_everything(office, JournalProblem(office.anna_device, 2, 2, "missing"))


def test_the_last_segment_deleted_arrives_with_the_next_push(office: Office) -> None:
    office.push()
    office.push()
    office.slot(2).unlink()  # gone before anyone read it; no later segment yet
    report = office.engines["mette"].sync()
    assert report.journal_problems == []  # nothing shows it yet
    office.push()  # slot 3, naming slot 2's objects again
    mette_reads_everything(office, JournalProblem(office.anna_device, 2, 2, "missing"))


def test_reordered_segments_all_arrive(office: Office) -> None:
    for _ in range(3):
        office.push()
    two, three = office.slot(2).read_bytes(), office.slot(3).read_bytes()
    office.slot(2).write_bytes(three)
    office.slot(3).write_bytes(two)
    mette_reads_everything(office, JournalProblem(office.anna_device, 2, 2, "moved"),
                           JournalProblem(office.anna_device, 3, 3, "moved"))


def test_a_replayed_old_segment_in_the_next_slot_changes_nothing(office: Office) -> None:
    office.push()
    office.push()
    office.engines["mette"].sync()
    old = office.slot(1).read_bytes()
    assert office.share.write_once(segment_path(office.anna_device, 3), old)
    office.push()  # slot 3 is taken: slot 4
    assert office.slot(4).exists()
    mette_reads_everything(office, JournalProblem(office.anna_device, 3, 3, "moved"))


def test_a_flood_of_squatted_slots_costs_the_writer_one_listing(office: Office) -> None:
    office.push()
    for seq in range(2, 40):
        office.share.write_once(segment_path(office.anna_device, seq), b"x")
    calls: list[str] = []
    real = office.share

    class Counting:
        def __getattr__(self, name: str) -> Any:
            calls.append(name)
            return getattr(real, name)

    office.engines["anna"].share = Counting()
    office.push()
    assert office.slot(40).exists()
    assert calls.count("list") == 1 and calls.count("write_once") <= 4
    office.engines["anna"].share = real
    mette_reads_everything(office, *(JournalProblem(office.anna_device, s, s, "bad_format")
                                     for s in range(2, 40)))
