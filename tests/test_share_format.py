"""A share written before inboxes (share format 2: journals and one shared sequence of
hints) syncs after the upgrade. ``tests/fixtures/share_before_inboxes`` was made by that
code (its ``make_fixture.py`` says how): Mette's vault has read Anna's first answer
through the hints, Anna's second answer is on the share but not read yet."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conversations.model import Role
from storage import Device, KdfParams
from sync.folder import FolderShare
from sync.identity import install_identity
from sync.inbox import INBOXES
from tests.sync_fixtures import (
    CountingShare,
    Person,
    directory_of,
    make_person,
    preparation,
)
from tests.vault_fixtures import FakeClock

FIXTURE = Path(__file__).parent / "fixtures" / "share_before_inboxes"


@pytest.fixture
def old(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    root = tmp_path / "old"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("*.py"))
    return root, json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))


def unlocked(root: Path, expected: dict[str, Any], pid: str, role: Role) -> Person:
    folder = root / f"device-{pid}"
    device = Device(folder, kdf=KdfParams.FAST_FOR_TESTS, clock=FakeClock())
    vault = device.unlock(expected["profiles"][pid], expected["pin"])
    return Person(pid, folder, vault, vault.id, frozenset({role}))


def answers(person: Person, expected: dict[str, Any]) -> set[str]:
    shard = person.vault.read_shard(expected["conversation"])
    return set(shard.get("preparations", {}))


def test_the_fixture_is_a_share_from_before_inboxes(old: tuple[Path, dict[str, Any]]) -> None:
    root, _expected = old
    assert (root / "share" / "heads").is_dir() and (root / "share" / "journals").is_dir()
    assert not (root / "share" / INBOXES).exists()


def test_a_vault_that_synced_before_gets_what_came_since_then_reads_only_its_inbox(
    old: tuple[Path, dict[str, Any]],
) -> None:
    root, expected = old
    mette = unlocked(root, expected, "mette", Role.LEADER)
    anna = unlocked(root, expected, "anna", Role.EMPLOYEE)
    directory = directory_of([mette, anna], {"anna": "mette"})
    share = FolderShare(root / "share")
    report = mette.engine(share, directory, clock=FakeClock()).sync()
    assert report.pulled == 1 and report.rejected == []
    assert answers(mette, expected) == {*expected["read_by_mette"],
                                        *expected["not_yet_read_by_mette"]}
    third = preparation(expected["conversation"], "anna", {"q3": "efter opgraderingen"})
    anna_engine = anna.engine(share, directory, clock=FakeClock())
    anna_engine.publish(expected["conversation"], "preparations", third)
    assert anna_engine.sync().pushed == 1
    counting = CountingShare(share)
    assert mette.engine(counting, directory, clock=FakeClock()).sync().pulled == 1
    assert third["id"] in answers(mette, expected)
    assert not any(path.startswith(("heads", "journals")) for _op, path in counting.calls)


def test_a_new_device_on_a_share_from_before_gets_everything_once(
    old: tuple[Path, dict[str, Any]], tmp_path: Path,
) -> None:
    root, expected = old
    mette = unlocked(root, expected, "mette", Role.LEADER)
    anna = unlocked(root, expected, "anna", Role.EMPLOYEE)
    directory = directory_of([mette, anna], {"anna": "mette"})
    tablet = make_person(tmp_path, "mette", Role.LEADER, device="-tablet")
    install_identity(tablet.vault, mette.identity)
    share = FolderShare(root / "share")
    tablet.engine(share, directory, clock=FakeClock()).sync()
    assert answers(tablet, expected) == {*expected["read_by_mette"],
                                         *expected["not_yet_read_by_mette"]}
    counting = CountingShare(share)
    assert tablet.engine(counting, directory, clock=FakeClock()).sync().pulled == 0
    assert not any(path.startswith(("heads", "journals")) for _op, path in counting.calls)
