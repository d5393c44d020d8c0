"""The vault notices older copies of its own files put back, and files that are gone:
each is named in a clear error while the rest of the vault opens."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from storage import CorruptFile, Device, WrongPin
from storage.manifest import RolledBack, ShardMissing
from tests.vault_fixtures import (
    NEW_PIN,
    PIN,
    conversation_id,
    header_path,
    make_device,
    new_vault,
    preparation,
    shard_path,
)

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_a_shard_replaced_by_its_older_copy_is_refused_and_the_rest_opens(
    root: Path,
) -> None:
    device = make_device(root)
    vault, _ = new_vault(device)
    cid, other = conversation_id(), conversation_id()
    vault.put_record(cid, "preparations", preparation("p1", "første svar"))
    vault.put_record(other, "preparations", preparation("p1", "et andet"))
    vault.put_index({cid: {"n": 1}})
    old = shard_path(root, vault, cid).read_bytes()
    vault.put_record(cid, "preparations", preparation("p1", "det kvitterede svar"))
    shard_path(root, vault, cid).write_bytes(old)
    vault.lock()
    vault = make_device(root).unlock(vault.id, PIN)
    with pytest.raises(RolledBack) as caught:
        vault.read_shard(cid)
    assert caught.value.file == f"vaults/{vault.id}/shards/{cid[:2]}/{cid}"
    assert "older copy" in caught.value.detail
    assert vault.read_shard(other)["preparations"]["p1"]["answers"]["q1"] == "et andet"
    assert vault.index() == {cid: {"n": 1}}


def test_the_index_replaced_by_its_older_copy_is_refused(root: Path) -> None:
    device = make_device(root)
    vault, _ = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "preparations", preparation("p1"))
    vault.put_index({cid: {"state": "kladde"}})
    index = root / "vaults" / vault.id / "shards" / "catalog"
    old = index.read_bytes()
    vault.put_index({cid: {"state": "sendt"}})
    index.write_bytes(old)
    vault.lock()
    vault = make_device(root).unlock(vault.id, PIN)
    with pytest.raises(RolledBack):
        vault.index()
    assert vault.read_shard(cid)["preparations"]["p1"]["id"] == "p1"


def test_a_shard_the_vault_wrote_that_is_gone_is_missing_not_empty(root: Path) -> None:
    device = make_device(root)
    vault, _ = new_vault(device)
    cid, other = conversation_id(), conversation_id()
    vault.put_record(cid, "preparations", preparation("p1"))
    vault.put_record(other, "preparations", preparation("p2"))
    vault.lock()
    shard_path(root, vault, cid).unlink()
    vault = make_device(root).unlock(vault.id, PIN)
    with pytest.raises(ShardMissing) as caught:
        vault.read_shard(cid)
    assert caught.value.key == "error.shard_missing"
    assert set(vault.read_shard(other)["preparations"]) == {"p2"}
    vault.delete_shard(cid)  # taking it out on purpose is allowed
    assert vault.read_shard(cid) == {}


def test_a_deleted_conversation_may_be_started_afresh(root: Path) -> None:
    vault, _ = new_vault(make_device(root))
    cid = conversation_id()
    vault.put_record(cid, "preparations", preparation("p1"))
    vault.delete_shard(cid)
    vault.lock()
    vault = make_device(root).unlock(vault.id, PIN)
    assert vault.read_shard(cid) == {}


def test_the_header_from_before_a_pin_change_opens_nothing(root: Path) -> None:
    device = make_device(root)
    vault, _ = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "preparations", preparation("p1"))
    old_header = header_path(root, vault.id).read_bytes()
    vault.change_pin(PIN, NEW_PIN)
    vault.lock()
    header_path(root, vault.id).write_bytes(old_header)
    with pytest.raises(RolledBack) as caught:
        make_device(root).unlock(vault.id, PIN)
    assert caught.value.file == f"vaults/{vault.id}/header"
    assert isinstance(caught.value, CorruptFile)  # shown as damage, never as a wrong PIN


def test_an_edited_epoch_in_an_old_header_makes_its_pin_fail(root: Path) -> None:
    import json

    from storage import sealing

    device = make_device(root)
    vault, _ = new_vault(device)
    old_header = header_path(root, vault.id).read_bytes()
    vault.change_pin(PIN, NEW_PIN)
    vault.lock()
    body = json.loads(old_header[8:-32])
    body["epoch"] = 1
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    forged = old_header[:8] + raw
    header_path(root, vault.id).write_bytes(forged + sealing.checksum(forged))
    with pytest.raises(WrongPin):
        make_device(root).unlock(vault.id, PIN)


def _unlocks(root: Path, profile_id: str, pin: str) -> bool:
    try:
        make_device(root).unlock(profile_id, pin).lock()
    except WrongPin:
        return False
    return True


@pytest.mark.slow
def test_killed_at_every_step_of_a_pin_change_exactly_one_pin_opens(tmp_path: Path) -> None:
    template = tmp_path / "template"
    vault, _ = new_vault(make_device(template))
    cid = conversation_id()
    vault.put_record(cid, "preparations", preparation("p1"))
    vault.put_index({cid: {"n": 1}})
    profile = vault.id
    vault.lock()
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    outcomes = []
    for step in range(1, 30):
        for when in ("before", "after"):
            root = tmp_path / f"kill-{step}-{when}"
            shutil.copytree(template, root)
            child = subprocess.run(
                [sys.executable, "-m", "tests.pin_child", str(root), profile, PIN, NEW_PIN,
                 str(step), when],
                cwd=PROJECT, env=env, capture_output=True, check=False,
            )
            finished = child.stdout == b"done\n"
            assert finished or child.returncode == -9, child.stderr.decode()
            old, new = _unlocks(root, profile, PIN), _unlocks(root, profile, NEW_PIN)
            assert old != new, f"step {step} {when}: old PIN {old}, new PIN {new}"
            opened = make_device(root).unlock(profile, NEW_PIN if new else PIN)
            assert opened.read_shard(cid)["preparations"]["p1"]["id"] == "p1"
            assert opened.index() == {cid: {"n": 1}}
            opened.lock()
            outcomes.append((step, when, "new" if new else "old"))
            if finished:
                assert new
                break
        else:
            continue
        break
    else:
        pytest.fail("the PIN change never finished")
    assert [o for o in outcomes if o[2] == "old"] and [o for o in outcomes if o[2] == "new"]


def test_the_device_lists_a_vault_whose_header_was_rolled_back(root: Path) -> None:
    device: Device = make_device(root)
    vault, _ = new_vault(device)
    old_header = header_path(root, vault.id).read_bytes()
    vault.change_pin(PIN, NEW_PIN)
    vault.lock()
    header_path(root, vault.id).write_bytes(old_header)
    assert [p.id for p in make_device(root).profiles()] == [vault.id]


def test_an_older_copy_put_back_while_the_vault_is_open_is_refused_on_the_next_read(
    root: Path,
) -> None:
    vault, _ = new_vault(make_device(root))
    cid = conversation_id()
    vault.put_record(cid, "preparations", preparation("p1", "første svar"))
    old = shard_path(root, vault, cid).read_bytes()
    vault.put_record(cid, "preparations", preparation("p1", "det kvitterede svar"))
    shard_path(root, vault, cid).write_bytes(old)
    for _ in range(70):  # more than the vault keeps open: it reads the file again
        vault.put_record(conversation_id(), "preparations", preparation("p1"))
    with pytest.raises(RolledBack):
        vault.read_shard(cid)
