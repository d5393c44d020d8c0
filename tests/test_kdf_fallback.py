"""Argon2id without OpenSSL 3.2 (as on a phone): same keys, and every vault still opens.

Flet's mobile index carries cryptography 43.0.1 (no ``kdf.argon2`` module at all) built
against OpenSSL 3.0, where a newer cryptography's ``Argon2id`` raises
``UnsupportedAlgorithm``. ``phone_like`` makes this machine behave either way, so the
vault must fall back to argon2-cffi — and a vault made before the fallback existed (kept
in ``tests/fixtures/vault_before_kdf_fallback``) must open with it to the same key.
Only ``storage/sealing.py`` imports cryptography, so the phone is imitated through
``sys.modules``."""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage import Device, KdfParams, WrongPin, sealing
from storage.header import decode_header
from tests.vault_fixtures import NEW_PIN, PIN, RECOVERED_PIN, make_device, new_vault

FIXTURE = Path(__file__).parent / "fixtures" / "vault_before_kdf_fallback"


ARGON2_MODULE = "cryptography.hazmat.primitives.kdf.argon2"


class _NoArgon2InOpenSSL:
    """What cryptography 44+ does when its OpenSSL is older than 3.2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        exceptions = importlib.import_module("cryptography.exceptions")
        raise exceptions.UnsupportedAlgorithm("This version of OpenSSL does not support argon2")


def openssl_3_0() -> types.ModuleType:
    module = types.ModuleType(ARGON2_MODULE)
    module.Argon2id = _NoArgon2InOpenSSL  # type: ignore[attr-defined]
    return module


def imitate_phone(patch: pytest.MonkeyPatch, kind: str) -> None:
    # None in sys.modules makes the import fail, as with cryptography 43.0.1.
    patch.setitem(sys.modules, ARGON2_MODULE, None if kind == "cryptography-43" else openssl_3_0())
    sealing.choose_argon2id.cache_clear()


@pytest.fixture(params=["cryptography-43", "openssl-3.0"])
def phone_like(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    imitate_phone(monkeypatch, request.param)
    yield
    monkeypatch.undo()
    sealing.choose_argon2id.cache_clear()


def cryptography_has_argon2id() -> bool:
    sealing.choose_argon2id.cache_clear()
    try:
        return sealing.argon2id_backend() == "cryptography"
    finally:
        sealing.choose_argon2id.cache_clear()


# With the phone's cryptography (43.0.1) installed there is nothing to compare against.
needs_cryptography_argon2id = pytest.mark.skipif(
    not cryptography_has_argon2id(), reason="this cryptography has no Argon2id")


@pytest.fixture
def old_vault(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "data"
    shutil.copytree(FIXTURE / "data", root)
    return root, json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))


def test_without_openssl_argon2_the_vault_uses_argon2_cffi(phone_like: None) -> None:
    assert sealing.argon2id_backend() == "argon2-cffi"


@needs_cryptography_argon2id
def test_with_openssl_argon2_the_vault_uses_cryptography() -> None:
    sealing.choose_argon2id.cache_clear()
    assert sealing.argon2id_backend() == "cryptography"


@needs_cryptography_argon2id
@settings(max_examples=25, deadline=None)
@given(
    secret=st.binary(max_size=64),
    salt=st.binary(min_size=8, max_size=32),
    memory_kib=st.integers(8, 256),
    iterations=st.integers(1, 3),
    lanes=st.integers(1, 4),
)
def test_both_argon2id_implementations_give_byte_identical_keys(
    secret: bytes, salt: bytes, memory_kib: int, iterations: int, lanes: int
) -> None:
    params = KdfParams(max(memory_kib, 8 * lanes), iterations, lanes)
    assert sealing.argon2id_argon2_cffi(secret, salt, params) == \
        sealing.argon2id_cryptography(secret, salt, params)


@needs_cryptography_argon2id
def test_default_cost_gives_the_same_key_from_both_implementations() -> None:
    salt = bytes(range(16))
    params = KdfParams.DEFAULT
    assert sealing.argon2id_argon2_cffi(b"246813", salt, params) == \
        sealing.argon2id_cryptography(b"246813", salt, params)


def test_a_vault_made_before_the_fallback_gives_the_same_pin_key_on_a_phone(
    phone_like: None, old_vault: tuple[Path, dict[str, str]]
) -> None:
    root, expected = old_vault
    header_file = root / "vaults" / expected["profile"] / "header"
    header = decode_header(header_file.read_bytes(), label="header")
    key = sealing.derive_key(expected["pin"], header.pin.salt, header.kdf)
    assert key.hex() == expected["pin_key_hex"]


def test_a_vault_made_before_the_fallback_opens_on_a_phone_with_its_answers(
    phone_like: None, old_vault: tuple[Path, dict[str, str]]
) -> None:
    root, expected = old_vault
    vault = Device(root).unlock(expected["profile"], expected["pin"])
    record = vault.read_shard(expected["shard"])["preparations"]["p1"]
    assert record["answers"]["q1"] == expected["answer"]
    vault.lock()


def test_a_vault_made_before_the_fallback_recovers_on_a_phone(
    phone_like: None, old_vault: tuple[Path, dict[str, str]]
) -> None:
    root, expected = old_vault
    device = Device(root)
    device.recover(expected["profile"], expected["recovery_code"], RECOVERED_PIN).lock()
    vault = device.unlock(expected["profile"], RECOVERED_PIN)
    assert vault.read_shard(expected["shard"])["preparations"]["p1"]["answers"]["q1"] == \
        expected["answer"]
    vault.lock()


def test_create_unlock_change_pin_and_recover_work_on_a_phone(
    phone_like: None, tmp_path: Path
) -> None:
    device = make_device(tmp_path / "data")
    vault, code = new_vault(device)
    vault.put_record("a" * 32, "preparations", {"id": "p1", "answers": {"q1": "ja"}})
    vault.change_pin(PIN, NEW_PIN)
    vault.lock()
    with pytest.raises(WrongPin):
        device.unlock(vault.id, PIN)
    device.unlock(vault.id, NEW_PIN).lock()
    device.recover(vault.id, code, RECOVERED_PIN).lock()
    reopened = device.unlock(vault.id, RECOVERED_PIN)
    assert reopened.read_shard("a" * 32)["preparations"]["p1"]["answers"]["q1"] == "ja"
    reopened.lock()


@needs_cryptography_argon2id
def test_a_vault_made_on_a_phone_opens_on_a_pc(tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as phone:
        imitate_phone(phone, "openssl-3.0")
        assert sealing.argon2id_backend() == "argon2-cffi"
        vault, _code = new_vault(make_device(tmp_path / "data"))
        vault.put_record("b" * 32, "preparations", {"id": "p1", "answers": {"q1": "nej"}})
        vault.lock()
    sealing.choose_argon2id.cache_clear()
    assert sealing.argon2id_backend() == "cryptography"
    pc_vault = make_device(tmp_path / "data").unlock(vault.id, PIN)
    assert pc_vault.read_shard("b" * 32)["preparations"]["p1"]["answers"]["q1"] == "nej"
    pc_vault.lock()
