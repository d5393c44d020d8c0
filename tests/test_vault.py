"""The vault's behaviour: profiles, PINs and their brake, recovery, records, locking."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import storage.files
import storage.keys
from storage import (
    MIN_PIN_LENGTH,
    BadPin,
    CorruptFile,
    Device,
    KdfParams,
    TooSoon,
    Vault,
    VaultLocked,
    WrongPin,
    WrongRecoveryCode,
)
from storage.header import decode_header, encode_header
from tests.vault_fixtures import (
    NEW_PIN,
    PIN,
    RECOVERED_PIN,
    SECRET_ANSWER,
    WRONG_PIN,
    FakeClock,
    conversation_id,
    header_path,
    make_device,
    new_vault,
    preparation,
    shard_path,
    snapshot,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def device(root: Path, clock: FakeClock) -> Device:
    return make_device(root, clock)


def count_kdf_runs(monkeypatch: pytest.MonkeyPatch) -> list[KdfParams]:
    runs: list[KdfParams] = []
    real = storage.sealing.derive_key

    def counting(secret: str, salt: bytes, params: KdfParams) -> bytes:
        runs.append(params)
        return real(secret, salt, params)

    monkeypatch.setattr(storage.sealing, "derive_key", counting)
    return runs


def count_writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    written: list[str] = []
    real = storage.files.replace_file

    def counting(path: Path, data: bytes, *, label: str, durable: bool = True) -> None:
        written.append(label)
        real(path, data, label=label, durable=durable)

    for module in (storage.files, storage.shard, storage.keys, storage.attempts):
        monkeypatch.setattr(module, "replace_file", counting, raising=False)
    return written


# -- profiles -------------------------------------------------------------------


def test_new_profile_is_listed_with_its_symbol(device: Device) -> None:
    vault, _ = new_vault(device, symbol=12)
    [info] = device.profiles()
    assert (info.id, info.symbol) == (vault.id, 12)
    assert info.created.startswith("2027-01-15T")
    assert device.problems == []


def test_profiles_are_listed_oldest_first(device: Device, clock: FakeClock) -> None:
    ids = []
    for symbol in range(3):
        ids.append(new_vault(device, symbol=symbol)[0].id)
        clock.advance(60)
    assert [p.id for p in device.profiles()] == ids


def test_header_holds_no_personal_data(device: Device, root: Path) -> None:
    vault, _ = new_vault(device)
    vault.put_meta("profile", {"name": "Birthe Sørensen"})
    assert b"Birthe" not in header_path(root, vault.id).read_bytes()


def test_unknown_profile_is_a_key_error(device: Device) -> None:
    with pytest.raises(KeyError):
        device.unlock("0" * 32, PIN)
    with pytest.raises(KeyError):
        device.unlock("../../etc", PIN)


def test_symbol_must_be_a_small_int(device: Device) -> None:
    with pytest.raises(ValueError, match="symbol"):
        device.create_profile(PIN, symbol=-1)


# -- PIN ------------------------------------------------------------------------


def test_a_pin_needs_six_characters() -> None:
    assert MIN_PIN_LENGTH == 6


# "Ærö 1" typed with a combining diaeresis is 6 code points but 5 characters after NFC.
@pytest.mark.parametrize("pin", ["", "123", "ÆØÅ", "12345", "Æro\u0308 1"])
def test_short_pin_is_refused_everywhere(device: Device, pin: str) -> None:
    with pytest.raises(BadPin) as caught:
        device.create_profile(pin, symbol=1)
    assert caught.value.key == "error.pin_too_short"
    assert caught.value.params == {"min": 6}
    vault, code = new_vault(device)
    with pytest.raises(BadPin):
        vault.change_pin(PIN, pin)
    with pytest.raises(BadPin):
        device.recover(vault.id, code, pin)


def test_right_pin_opens_saved_data(device: Device, root: Path) -> None:
    vault, _ = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "preparations", preparation("p1"))
    vault.lock()
    reopened = make_device(root).unlock(vault.id, PIN)
    assert reopened.read_shard(cid) == {"preparations": {"p1": preparation("p1")}}


def test_wrong_pin_is_reported_with_attempt_count(device: Device) -> None:
    vault, _ = new_vault(device)
    with pytest.raises(WrongPin) as caught:
        device.unlock(vault.id, WRONG_PIN)
    assert caught.value.key == "error.wrong_pin"
    assert (caught.value.attempts, caught.value.retry_after) == (1, 0.0)


def test_wrong_pin_changes_nothing(device: Device, root: Path) -> None:
    vault, _ = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "preparations", preparation("p1"))
    vault.put_index({cid: {"kind": "MUS"}})
    before = snapshot(root, skip=("attempts",))
    with pytest.raises(WrongPin):
        device.unlock(vault.id, WRONG_PIN)
    assert snapshot(root, skip=("attempts",)) == before
    assert json.loads((root / "vaults" / vault.id / "attempts").read_bytes())["failures"] == 1
    assert not vault.locked  # a failed second unlock leaves the open vault alone
    assert vault.read_shard(cid)["preparations"]["p1"] == preparation("p1")


def test_third_wrong_pin_starts_a_growing_delay(device: Device, clock: FakeClock) -> None:
    vault, _ = new_vault(device)
    waits = []
    for _ in range(10):
        with pytest.raises(WrongPin) as caught:
            device.unlock(vault.id, WRONG_PIN)
        waits.append(caught.value.retry_after)
        assert device.retry_after(vault.id) == caught.value.retry_after
        clock.advance(caught.value.retry_after)
    assert waits == [0, 0, 30, 60, 120, 240, 480, 900, 900, 900]


def test_too_soon_refuses_without_running_the_kdf(
    device: Device, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault, _ = new_vault(device)
    for _ in range(3):
        with pytest.raises(WrongPin):
            device.unlock(vault.id, WRONG_PIN)
    runs = count_kdf_runs(monkeypatch)
    clock.advance(10)
    with pytest.raises(TooSoon) as caught:
        device.unlock(vault.id, PIN)
    assert caught.value.retry_after == pytest.approx(20)
    assert caught.value.key == "error.too_soon"
    assert runs == []
    clock.advance(20)
    device.unlock(vault.id, PIN)
    assert len(runs) == 1


def test_delay_is_remembered_by_a_new_device(root: Path, clock: FakeClock) -> None:
    vault, _ = new_vault(make_device(root, clock))
    for _ in range(3):
        with pytest.raises(WrongPin):
            make_device(root, clock).unlock(vault.id, WRONG_PIN)
    with pytest.raises(TooSoon):
        make_device(root, clock).unlock(vault.id, PIN)


def test_right_pin_resets_the_count(device: Device, clock: FakeClock) -> None:
    vault, _ = new_vault(device)
    for _ in range(2):
        with pytest.raises(WrongPin):
            device.unlock(vault.id, WRONG_PIN)
    device.unlock(vault.id, PIN)
    with pytest.raises(WrongPin) as caught:
        device.unlock(vault.id, WRONG_PIN)
    assert caught.value.attempts == 1


def test_clock_set_back_never_lengthens_the_wait(device: Device, clock: FakeClock) -> None:
    vault, _ = new_vault(device)
    for _ in range(3):
        with pytest.raises(WrongPin):
            device.unlock(vault.id, WRONG_PIN)
    clock.advance(-365 * 24 * 3600)
    assert device.retry_after(vault.id) == 30


def test_pins_are_compared_after_unicode_normalisation(device: Device) -> None:
    vault, _ = new_vault(device, pin="Æro\u0308 hav")  # o + combining diaeresis
    device.unlock(vault.id, "Ær\u00f6 hav")  # the same letter, precomposed


def test_kdf_cost_comes_from_the_header(
    root: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault, _ = new_vault(make_device(root, clock))
    runs = count_kdf_runs(monkeypatch)
    Device(root, clock=clock).unlock(vault.id, PIN)  # a device whose default is the slow cost
    assert runs == [KdfParams.FAST_FOR_TESTS]


def tamper_kdf(root: Path, vault_id: str, kdf: KdfParams) -> None:
    """What an attacker with write access can do: change the cost, recompute the checksum."""
    path = header_path(root, vault_id)
    header = decode_header(path.read_bytes(), label="header")
    path.write_bytes(encode_header(dataclasses.replace(header, kdf=kdf)))


def header_kdf(root: Path, vault_id: str) -> KdfParams:
    return decode_header(header_path(root, vault_id).read_bytes(), label="header").kdf


STRONGER = KdfParams(memory_kib=16 * 1024, iterations=2, lanes=2)
TINY = KdfParams(memory_kib=8, iterations=1, lanes=1)


def test_recovery_after_a_lowered_header_kdf_wraps_the_new_pin_at_the_device_cost(
    root: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = Device(root, kdf=STRONGER, clock=clock)
    vault, code = new_vault(device)
    vault.lock()
    tamper_kdf(root, vault.id, TINY)
    with pytest.raises(WrongPin):  # the cost is bound to the PIN slot: the right PIN fails
        device.unlock(vault.id, PIN)
    runs = count_kdf_runs(monkeypatch)
    device.recover(vault.id, code, RECOVERED_PIN).lock()
    assert runs == [STRONGER]  # the new PIN was never derived with the tiny cost
    assert header_kdf(root, vault.id) == STRONGER
    # any device — even one configured cheaper — unlocks it with the header's cost
    make_device(root, clock).unlock(vault.id, RECOVERED_PIN)
    assert runs[-1] == STRONGER


def test_pin_change_never_wraps_below_the_device_cost_field_by_field(
    root: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    made_with = KdfParams(memory_kib=16 * 1024, iterations=1, lanes=1)
    vault, _ = new_vault(Device(root, kdf=made_with, clock=clock))
    vault.lock()
    device = Device(root, kdf=KdfParams(memory_kib=8 * 1024, iterations=2, lanes=2), clock=clock)
    opened = device.unlock(vault.id, PIN)
    runs = count_kdf_runs(monkeypatch)
    opened.change_pin(PIN, NEW_PIN)
    stronger_of_both = KdfParams(memory_kib=16 * 1024, iterations=2, lanes=2)
    assert runs == [made_with, stronger_of_both]  # old PIN checked, new PIN wrapped
    assert header_kdf(root, vault.id) == stronger_of_both
    opened.lock()
    device.unlock(vault.id, NEW_PIN)


@pytest.mark.parametrize(
    "kdf",
    [
        KdfParams(memory_kib=1024 * 1024 + 1, iterations=1, lanes=1),
        KdfParams(memory_kib=8 * 1024, iterations=11, lanes=1),
        KdfParams(memory_kib=8 * 1024, iterations=1, lanes=17),
        KdfParams(memory_kib=8, iterations=1, lanes=2),
    ],
)
def test_a_header_asking_for_an_unsafe_kdf_cost_is_corrupt_and_never_run(
    device: Device, root: Path, monkeypatch: pytest.MonkeyPatch, kdf: KdfParams
) -> None:
    vault, _ = new_vault(device)
    vault.lock()
    tamper_kdf(root, vault.id, kdf)
    before = snapshot(root)
    runs = count_kdf_runs(monkeypatch)
    with pytest.raises(CorruptFile) as caught:
        device.unlock(vault.id, PIN)
    assert caught.value.file == f"vaults/{vault.id}/header"
    assert runs == []
    assert snapshot(root) == before  # no attempt counted
    assert device.profiles() == []
    assert [p.file for p in device.problems] == [f"vaults/{vault.id}/header"]


def test_a_device_refuses_an_unsafe_configured_kdf_cost(root: Path) -> None:
    with pytest.raises(ValueError, match="iterations"):
        Device(root, kdf=KdfParams(memory_kib=8 * 1024, iterations=11, lanes=1))


def test_change_pin_rewraps_only(device: Device, root: Path) -> None:
    vault, _ = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "preparations", preparation("p1"))
    vault.put_index({cid: {"kind": "MUS"}})
    # Only the manifests change: the header's epoch, a flush at lock.
    def shards() -> dict[str, Any]:
        return snapshot(root / "vaults" / vault.id / "shards", skip=("manifest",))

    shards_before = shards()
    header_before = header_path(root, vault.id).read_bytes()
    vault.change_pin(PIN, NEW_PIN)
    vault.lock()
    assert shards() == shards_before
    assert header_path(root, vault.id).read_bytes() != header_before
    with pytest.raises(WrongPin):
        device.unlock(vault.id, PIN)
    assert device.unlock(vault.id, NEW_PIN).read_shard(cid)["preparations"]["p1"]["id"] == "p1"


def test_change_pin_with_wrong_old_pin_changes_nothing(device: Device, root: Path) -> None:
    vault, _ = new_vault(device)
    before = snapshot(root, skip=("attempts",))
    with pytest.raises(WrongPin):
        vault.change_pin(WRONG_PIN, NEW_PIN)
    assert snapshot(root, skip=("attempts",)) == before
    device.unlock(vault.id, PIN)


# -- recovery -------------------------------------------------------------------


def test_recovery_code_is_seven_groups_of_four(device: Device) -> None:
    _, code = new_vault(device)
    groups = code.split("-")
    assert len(groups) == 7
    assert all((len(g) == 4 and g.isalnum() and g.isupper()) or g.isdigit() for g in groups)


def test_recovery_sets_a_new_pin_and_the_old_stops_working(device: Device, root: Path) -> None:
    vault, code = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "preparations", preparation("p1"))
    # Only the manifests change: the header's epoch, a flush at lock.
    def shards() -> dict[str, Any]:
        return snapshot(root / "vaults" / vault.id / "shards", skip=("manifest",))

    shards_before = shards()
    vault.lock()  # so the recovered vault reads from disk, not from the open one's cache
    recovered = device.recover(vault.id, code.lower().replace("-", " "), RECOVERED_PIN)
    assert recovered.read_shard(cid)["preparations"]["p1"] == preparation("p1")
    assert shards() == shards_before
    with pytest.raises(WrongPin):
        device.unlock(vault.id, PIN)
    device.unlock(vault.id, RECOVERED_PIN)


def test_recovery_lifts_the_delay(device: Device) -> None:
    vault, code = new_vault(device)
    for _ in range(4):
        with pytest.raises((WrongPin, TooSoon)):
            device.unlock(vault.id, WRONG_PIN)
    device.recover(vault.id, code, RECOVERED_PIN)
    assert device.retry_after(vault.id) == 0


@pytest.mark.parametrize("mangle", ["other vault", "one symbol changed", "too short", "junk"])
def test_wrong_recovery_code_is_refused(device: Device, root: Path, mangle: str) -> None:
    vault, code = new_vault(device)
    _, other_code = new_vault(device)
    attempt = {
        "other vault": other_code,
        "one symbol changed": ("Z" if code[0] != "Z" else "Y") + code[1:],
        "too short": code[:-1],
        "junk": "not a code at all",
    }[mangle]
    before = snapshot(root)
    with pytest.raises(WrongRecoveryCode) as caught:
        device.recover(vault.id, attempt, RECOVERED_PIN)
    assert caught.value.key == "error.wrong_recovery_code"
    assert snapshot(root) == before


# -- records ------------------------------------------------------------------------


def test_put_record_upserts_by_id_and_replaces_the_whole_record(device: Device) -> None:
    vault, _ = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "preparations", {"id": "a", "old": 1})
    vault.put_record(cid, "preparations", {"id": "b", "x": 2})
    vault.put_record(cid, "preparations", {"id": "a", "new": 3})
    vault.put_record(cid, "minutes", {"id": "a", "text": "referat"})
    assert vault.read_shard(cid) == {
        "preparations": {"a": {"id": "a", "new": 3}, "b": {"id": "b", "x": 2}},
        "minutes": {"a": {"id": "a", "text": "referat"}},
    }


def test_put_records_is_one_write(device: Device, monkeypatch: pytest.MonkeyPatch) -> None:
    vault, _ = new_vault(device)
    cid = conversation_id()
    written = count_writes(monkeypatch)
    vault.put_records(cid, "goals", [{"id": str(i), "what": "kursus"} for i in range(20)])
    assert len(written) == 1
    assert len(vault.read_shard(cid)["goals"]) == 20


def test_autosave_writes_only_its_conversation_shard(
    device: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault, _ = new_vault(device)
    ids = [conversation_id() for _ in range(5)]
    vault.put_index({cid: {"kind": "MUS"} for cid in ids})
    for cid in ids:
        vault.put_record(cid, "preparations", preparation("p"))
    written = count_writes(monkeypatch)
    vault.put_record(ids[2], "preparations", preparation("p", "nyt svar"))
    assert written == [f"vaults/{vault.id}/shards/{ids[2][:2]}/{ids[2]}"]


def test_read_shard_returns_a_copy(device: Device) -> None:
    vault, _ = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "preparations", preparation("p1"))
    vault.read_shard(cid)["preparations"]["p1"]["answers"]["q1"] = "changed"
    assert vault.read_shard(cid)["preparations"]["p1"] == preparation("p1")


def test_missing_shard_reads_empty_and_creates_nothing(device: Device, root: Path) -> None:
    vault, _ = new_vault(device)
    before = snapshot(root)
    assert vault.read_shard(conversation_id()) == {}
    assert snapshot(root) == before


@pytest.mark.parametrize(
    "shard_id", ["catalog", "../" + "a" * 29, "A" * 32, "a" * 31, "a" * 33, "", "a/" + "b" * 30]
)
def test_shard_ids_that_are_not_conversation_ids_are_refused(device: Device, shard_id: str) -> None:
    vault, _ = new_vault(device)
    with pytest.raises(ValueError, match="conversation id"):
        vault.put_record(shard_id, "t", {"id": "x"})
    with pytest.raises(ValueError, match="conversation id"):
        vault.read_shard(shard_id)


@pytest.mark.parametrize("record", [{"x": 1}, {"id": ""}, {"id": 5}, {"id": "a", "v": {1, 2}}])
def test_bad_records_are_refused_and_nothing_changes(
    device: Device, root: Path, record: dict[str, Any]
) -> None:
    vault, _ = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "t", {"id": "kept"})
    before = snapshot(root)
    with pytest.raises((ValueError, TypeError)):
        vault.put_record(cid, "t", record)
    assert snapshot(root) == before
    assert vault.read_shard(cid) == {"t": {"kept": {"id": "kept"}}}


def test_shard_ids_lists_conversations_only(device: Device) -> None:
    vault, _ = new_vault(device)
    ids = sorted(conversation_id() for _ in range(4))
    for cid in ids:
        vault.put_record(cid, "t", {"id": "x"})
    vault.put_index({ids[0]: {}})
    assert vault.shard_ids() == ids


def test_index_upserts_many_in_one_write_and_removes(
    device: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault, _ = new_vault(device)
    a, b, c = (conversation_id() for _ in range(3))
    written = count_writes(monkeypatch)
    vault.put_index({a: {"kind": "MUS"}, b: {"kind": "TUS"}, c: {"kind": "LUS"}})
    assert len(written) == 1
    vault.put_index({b: {"kind": "GRUS", "state": "held"}})
    vault.remove_index([a, conversation_id()])
    assert vault.index() == {b: {"kind": "GRUS", "state": "held"}, c: {"kind": "LUS"}}


def test_meta_round_trips_and_is_missing_as_none(device: Device, root: Path) -> None:
    vault, _ = new_vault(device)
    assert vault.get_meta("settings") is None
    vault.put_meta("settings", {"language": "da", "share": "\\\\server\\samtale"})
    vault.lock()
    again = make_device(root).unlock(vault.id, PIN)
    assert again.get_meta("settings") == {"language": "da", "share": "\\\\server\\samtale"}


# -- locking ------------------------------------------------------------------------


def every_call(vault: Vault, cid: str) -> list[Callable[[], object]]:
    return [
        lambda: vault.read_shard(cid),
        lambda: vault.put_record(cid, "t", {"id": "y"}),
        lambda: vault.put_records(cid, "t", [{"id": "y"}]),
        vault.index,
        lambda: vault.put_index({cid: {}}),
        lambda: vault.remove_index([cid]),
        lambda: vault.get_meta("k"),
        lambda: vault.put_meta("k", {}),
        vault.shard_ids,
        lambda: vault.change_pin(PIN, NEW_PIN),
    ]


def test_lock_forgets_and_refuses_every_call(device: Device) -> None:
    vault, _ = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "t", {"id": "x"})
    vault.lock()
    assert vault.locked
    for call in every_call(vault, cid):
        with pytest.raises(VaultLocked):
            call()
    vault.lock()  # locking twice is harmless


def test_a_second_unlock_shares_the_open_vault_and_both_handles_save(
    device: Device, root: Path
) -> None:
    first, _ = new_vault(device)
    second = device.unlock(first.id, PIN)  # a second browser tab
    assert not first.locked and not second.locked
    assert first._core is second._core  # one cache, one set of shard locks
    cid = conversation_id()
    first.put_record(cid, "preparations", preparation("p1", "fra fane A"))
    second.put_record(cid, "preparations", preparation("p2", "fra fane B"))
    second.put_index({cid: {"from": "B"}})
    first.put_meta("settings", {"from": "A"})
    for handle in (first, second):
        assert handle.read_shard(cid)["preparations"] == {
            "p1": preparation("p1", "fra fane A"),
            "p2": preparation("p2", "fra fane B"),
        }
        assert handle.index() == {cid: {"from": "B"}}
        assert handle.get_meta("settings") == {"from": "A"}
    on_disk = make_device(root).unlock(first.id, PIN)
    assert set(on_disk.read_shard(cid)["preparations"]) == {"p1", "p2"}


def test_a_second_unlock_still_needs_the_right_pin(device: Device) -> None:
    first, _ = new_vault(device)
    with pytest.raises(WrongPin):
        device.unlock(first.id, WRONG_PIN)
    assert not first.locked


def test_locking_one_handle_leaves_the_other_working(device: Device) -> None:
    first, _ = new_vault(device)
    second = device.unlock(first.id, PIN)
    cid = conversation_id()
    first.put_record(cid, "t", {"id": "x", "v": 1})
    first.lock()
    assert first.locked and not second.locked
    for call in every_call(first, cid):
        with pytest.raises(VaultLocked):
            call()
    second.put_record(cid, "t", {"id": "x", "v": 2})  # the other tab's autosave goes on
    assert second.read_shard(cid) == {"t": {"x": {"id": "x", "v": 2}}}
    assert not second._core.locked  # type: ignore[union-attr]
    second.change_pin(PIN, NEW_PIN)
    assert device.unlock(first.id, NEW_PIN).read_shard(cid)["t"]["x"]["v"] == 2


def test_locking_the_last_handle_forgets_the_keys_and_caches(device: Device) -> None:
    first, _ = new_vault(device)
    second = device.unlock(first.id, PIN)
    cid = conversation_id()
    second.put_record(cid, "t", {"id": "x"})
    core = first._core
    assert core is not None
    first.lock()
    assert not core.locked
    second.lock()
    assert core.locked
    assert core._vault_key is None and core._shard_key is None and not core._open
    assert device._cores == {}
    with pytest.raises(VaultLocked):
        second.read_shard(cid)
    with pytest.raises(WrongPin):  # nothing left open to hand out without the PIN
        device.unlock(first.id, WRONG_PIN)
    again = device.unlock(first.id, PIN)
    assert again._core is not core
    assert again.read_shard(cid) == {"t": {"x": {"id": "x"}}}


def test_handles_opened_and_locked_from_many_threads_share_one_vault(
    device: Device, root: Path
) -> None:
    keeper, _ = new_vault(device)  # stays open all along, like a tab left open
    shared = conversation_id()
    errors: list[BaseException] = []

    def tab(n: int) -> None:
        try:
            for i in range(5):
                handle = device.unlock(keeper.id, PIN)
                handle.put_record(shared, "answers", {"id": f"{n}-{i}"})
                keeper.put_record(shared, "keeper", {"id": f"{n}-{i}"})
                handle.lock()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=tab, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert not keeper.locked
    assert keeper._core is not None and keeper._core.handles == 1
    tables = keeper.read_shard(shared)
    assert len(tables["answers"]) == len(tables["keeper"]) == 6 * 5
    keeper.lock()
    assert device._cores == {}
    on_disk = make_device(root).unlock(keeper.id, PIN).read_shard(shared)
    assert on_disk == tables


def test_lock_waits_for_a_running_save(device: Device) -> None:
    vault, _ = new_vault(device)
    cid = conversation_id()
    stop = threading.Event()
    saved: list[int] = []

    def autosave() -> None:
        n = 0
        try:
            while not stop.is_set():
                vault.put_record(cid, "t", {"id": "x", "n": n})
                saved.append(n)
                n += 1
        except VaultLocked:
            pass

    worker = threading.Thread(target=autosave)
    worker.start()
    while not saved:
        stop.wait(0.001)
    vault.lock()
    stop.set()
    worker.join()
    assert device.unlock(vault.id, PIN).read_shard(cid)["t"]["x"]["n"] == saved[-1]


def test_threads_saving_into_same_and_different_shards_keep_everything(device: Device) -> None:
    vault, _ = new_vault(device)
    shared = conversation_id()
    own = [conversation_id() for _ in range(6)]
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(25):
                vault.put_record(shared, "answers", {"id": f"{n}-{i}", "v": i})
                vault.put_record(own[n], "answers", {"id": str(i), "v": i})
                vault.put_index({own[n]: {"done": i}})
                vault.read_shard(shared)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    check_threads_work(vault, shared, own)
    vault.lock()
    check_threads_work(device.unlock(vault.id, PIN), shared, own)


def check_threads_work(vault: Vault, shared: str, own: list[str]) -> None:
    assert len(vault.read_shard(shared)["answers"]) == 6 * 25
    for cid in own:
        assert len(vault.read_shard(cid)["answers"]) == 25
    assert vault.index() == {cid: {"done": 24} for cid in own}


def test_more_shards_than_the_cache_holds_stay_correct(device: Device) -> None:
    vault, _ = new_vault(device)
    ids = [conversation_id() for _ in range(150)]
    for round_ in range(2):
        for cid in ids:
            vault.put_record(cid, "t", {"id": "x", "round": round_})
    assert all(vault.read_shard(cid)["t"]["x"]["round"] == 1 for cid in ids)


# -- what reaches the disk ------------------------------------------------------------


def test_no_plaintext_ever_reaches_the_disk(device: Device, root: Path) -> None:
    vault, _ = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "preparations", preparation("p1"))
    vault.put_records(cid, "goals", [{"id": "g", "what": SECRET_ANSWER}])
    vault.put_index({cid: {"title": SECRET_ANSWER}})
    vault.put_meta("profile", {"name": SECRET_ANSWER})
    vault.change_pin(PIN, NEW_PIN)
    forms = {
        SECRET_ANSWER.encode(),
        json.dumps(SECRET_ANSWER).encode(),  # \u00c6 escapes
        SECRET_ANSWER.encode("utf-16-le"),
        SECRET_ANSWER.encode("latin-1"),
        b"Hemmeligt",
        "ÆØÅ".encode(),
        b"Mere tid til faglig sparring",
    }
    files = snapshot(root)
    assert len(files) >= 4
    for name, data in files.items():
        assert SECRET_ANSWER not in name
        for form in forms:
            assert form not in data, (name, form)


def test_stale_temp_files_are_removed_on_unlock(device: Device, root: Path) -> None:
    vault, _ = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "t", {"id": "x"})
    stale = shard_path(root, vault, cid).with_name(f".{cid}.dead.tmp")
    stale.write_bytes(b"ciphertext from a crash")
    vault.lock()
    device.unlock(vault.id, PIN)
    assert not stale.exists()
    assert shard_path(root, vault, cid).exists()


def test_shard_moved_to_another_conversation_is_rejected(device: Device, root: Path) -> None:
    vault, _ = new_vault(device)
    a, b = conversation_id(), conversation_id()
    vault.put_record(a, "t", {"id": "from a"})
    vault.put_record(b, "t", {"id": "from b"})
    shard_path(root, vault, b).write_bytes(shard_path(root, vault, a).read_bytes())
    vault.lock()
    reopened = device.unlock(vault.id, PIN)
    with pytest.raises(CorruptFile) as caught:
        reopened.read_shard(b)
    assert caught.value.file == f"vaults/{vault.id}/shards/{b[:2]}/{b}"
    assert caught.value.key == "error.corrupt_file"
    assert reopened.read_shard(a) == {"t": {"from a": {"id": "from a"}}}


def test_shard_moved_to_another_vault_is_rejected(device: Device, root: Path) -> None:
    one, _ = new_vault(device)
    other, _ = new_vault(device)
    cid = conversation_id()
    one.put_record(cid, "t", {"id": "one"})
    other.put_record(cid, "t", {"id": "other"})
    shard_path(root, other, cid).write_bytes(shard_path(root, one, cid).read_bytes())
    other.lock()
    with pytest.raises(CorruptFile):
        device.unlock(other.id, PIN).read_shard(cid)


def test_conversation_shard_placed_as_index_is_rejected(device: Device, root: Path) -> None:
    vault, _ = new_vault(device)
    cid = conversation_id()
    vault.put_record(cid, "catalog", {"id": cid, "summary": {}})
    vault.put_index({cid: {"kind": "MUS"}})
    index = root / "vaults" / vault.id / "shards" / "catalog"
    index.write_bytes(shard_path(root, vault, cid).read_bytes())
    vault.lock()
    with pytest.raises(CorruptFile):
        device.unlock(vault.id, PIN).index()


def test_header_copied_to_another_profile_is_rejected(device: Device, root: Path) -> None:
    one, _ = new_vault(device)
    other, _ = new_vault(device)
    header_path(root, other.id).write_bytes(header_path(root, one.id).read_bytes())
    with pytest.raises(CorruptFile):
        device.unlock(other.id, PIN)
    assert [p.id for p in device.profiles()] == [one.id]
    assert [p.file for p in device.problems] == [f"vaults/{other.id}/header"]
