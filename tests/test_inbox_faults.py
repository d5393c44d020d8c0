"""Inboxes nobody can block or forge, on a folder share and on a real Samba share on loopback.

Anna pushes her answers one at a time; each push announces them in Mette's inbox (and
Anna's own). Someone with write access to the share (Kim, a colleague, or the file
server's administrator) squats Mette's next slot, spoils, swaps, replays or misplaces
entries, or squats Anna's journal. Whatever they do, every genuine answer reaches Mette,
Anna's pushes never get stuck, a forged or replayed entry costs Mette no envelope read,
and each problem is reported once.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conversations.directory import Directory, RetiredKey
from conversations.model import Role
from sync.engine import InboxProblem, SyncEngine, SyncReport
from sync.folder import FolderShare
from sync.inbox import EntryRejected, entry_path, inbox_of, make_entry, read_entry
from sync.journal import segment_path
from sync.share import Share
from tests.samba import SambaServer, samba_fixture, samba_server_fixture  # noqa: F401
from tests.sync_fixtures import (
    CountingShare,
    Person,
    conversation,
    directory_of,
    make_person,
    preparation,
)

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

    def inbox(self, pid: str) -> str:
        return inbox_of(self.people[pid].identity.public().enc)

    def slot(self, n: int, pid: str = "mette") -> Path:
        return self.root / entry_path(self.inbox(pid), n)

    def last(self, pid: str = "mette") -> int:
        """The highest entry number in ``pid``'s inbox."""
        return max(int(p.name) for p in (self.root / "inboxes" / self.inbox(pid)).rglob("0*")
                   if p.is_file())

    def push(self) -> SyncReport:
        """Anna shares one more answer."""
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

        folder = f"inbox-{tmp_path.name}"
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


def problems(reports: list[SyncReport]) -> Counter[InboxProblem]:
    return Counter(p for r in reports for p in r.inbox_problems)


def mette_reads_everything(office: Office, *expected: tuple[int, str]) -> None:
    """Two syncs of Mette's: every answer arrives, each problem is reported once."""
    reports = [office.engines["mette"].sync(), office.engines["mette"].sync()]
    assert office.mette_has() == set(office.answers)
    inbox = office.inbox("mette")
    assert problems(reports) == Counter(InboxProblem(inbox, n, n, why) for n, why in expected)
    assert not any(r.refused for r in reports)


def kim_writes(office: Office, n: int, data: bytes) -> None:
    assert office.share.write_once(entry_path(office.inbox("mette"), n), data)


def test_a_forged_entry_in_the_next_slot_holds_up_neither_writer_nor_reader(
    office: Office,
) -> None:
    office.push()
    n = office.last() + 1
    kim = office.people["kim"]
    forged = make_entry(kim.identity, inbox=office.inbox("mette"), n=n, sender="anna",
                        device=office.anna_device, seq=1, objects=["ab" * 32])
    kim_writes(office, n, forged)
    office.push()  # goes to the slot after it
    office.push()
    assert office.last() == n + 2
    mette_reads_everything(office, (n, "bad_signature"))


def test_garbage_in_a_slot_is_passed(office: Office) -> None:
    office.push()
    n = office.last() + 1
    kim_writes(office, n, b"\x00junk" * 40)
    office.push()
    mette_reads_everything(office, (n, "bad_format"))


def test_swapped_entries_both_arrive(office: Office) -> None:
    for _ in range(3):
        office.push()
    last = office.last()
    one, two = office.slot(last - 1).read_bytes(), office.slot(last).read_bytes()
    office.slot(last - 1).write_bytes(two)
    office.slot(last).write_bytes(one)
    mette_reads_everything(office, (last - 1, "moved"), (last, "moved"))


def test_a_replayed_entry_costs_the_reader_no_envelope(office: Office) -> None:
    office.push()
    office.engines["mette"].sync()
    old = office.slot(office.last()).read_bytes()
    n = office.last() + 1
    kim_writes(office, n, old)
    office.push()  # slot n is taken: the one after it
    counting = CountingShare(office.share)
    office.engines["mette"].share = counting
    mette_reads_everything(office, (n, "replayed"))
    assert len([c for c in counting.calls if c[1].startswith("objects/")]) == 1


def test_an_entry_of_another_inbox_copied_here_is_passed(office: Office) -> None:
    office.push()
    anna_own = office.slot(office.last("anna"), "anna").read_bytes()
    n = office.last() + 1
    kim_writes(office, n, anna_own)
    office.push()
    mette_reads_everything(office, (n, "misplaced"))


def test_a_flood_of_squatted_slots_costs_the_writer_one_listing(office: Office) -> None:
    office.push()
    first = office.last() + 1
    for n in range(first, first + 40):
        kim_writes(office, n, b"x")
    calls: list[str] = []
    real = office.share

    class Counting:
        def __getattr__(self, name: str) -> Any:
            calls.append(name)
            return getattr(real, name)

    office.engines["anna"].share = Counting()
    office.push()
    assert office.last() == first + 40
    assert calls.count("list") <= 2 and calls.count("write_once") <= 5
    office.engines["anna"].share = real
    mette_reads_everything(office, *((n, "bad_format") for n in range(first, first + 40)))


def test_a_squatted_journal_holds_up_neither_writer_nor_reader(office: Office) -> None:
    office.push()
    for seq in range(2, 40):
        office.share.write_once(segment_path(office.anna_device, seq), b"x")
    office.push()
    assert (office.root / segment_path(office.anna_device, 40)).exists()
    mette_reads_everything(office)  # she reads her inbox, not Anna's journal


def test_an_old_key_vouches_for_an_entry_only_up_to_its_devices_recorded_segment(
    office: Office,
) -> None:
    office.push()
    office.push()
    anna = office.people["anna"]
    directory = office.engines["mette"].directory
    retired = RetiredKey(sign_key=anna.identity.public().sign, until={office.anna_device: 1})
    members = dict(directory.members)
    members["anna"] = dataclasses.replace(
        members["anna"], sign_key=office.people["kim"].identity.public().sign,
        retired=(retired,))
    after_rotation = Directory(directory.version + 1, members, directory.policy)
    inbox = office.inbox("mette")

    def read(n: int) -> object:
        return read_entry(office.slot(n).read_bytes(), inbox=inbox, directory=after_rotation,
                          owner_of=lambda _device: None)

    first, second = office.last() - 1, office.last()
    assert read(first).by_retired_key  # type: ignore[attr-defined]
    with pytest.raises(EntryRejected) as refused:
        read(second)
    assert refused.value.reason == "retired_key"
    forged = make_entry(anna.identity, inbox=inbox, n=second + 1, sender="anna",
                        device=office.anna_device, seq=1, objects=["cd" * 32])
    kim_writes(office, second + 1, forged)  # a thief with the old key, claiming segment 1
    office.engines["mette"].directory = after_rotation
    report = office.engines["mette"].sync()
    # her second segment came after the recorded one; the thief's entry names objects
    # that segment 1 does not list
    assert [(p.first, p.reason) for p in report.inbox_problems] == [
        (second, "retired_key"), (second + 1, "retired_key")]
