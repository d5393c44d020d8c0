"""Helpers shared by the vault tests (kept out of conftest.py, which is not ours)."""

from __future__ import annotations

import uuid
from pathlib import Path

from storage import Device, KdfParams, Vault

PIN = "246813"
WRONG_PIN = "000000"
NEW_PIN = "135790"
RECOVERED_PIN = "975310"
SECRET_ANSWER = "Hemmeligt svar ÆØÅ 12345"


class FakeClock:
    """A clock the test moves by hand, so delays are tested without sleeping."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_device(root: Path, clock: FakeClock | None = None) -> Device:
    return Device(root, kdf=KdfParams.FAST_FOR_TESTS, clock=clock or FakeClock())


def new_vault(device: Device, pin: str = PIN, symbol: int = 7) -> tuple[Vault, str]:
    return device.create_profile(pin, symbol=symbol)


def conversation_id() -> str:
    return uuid.uuid4().hex


def preparation(record_id: str, answer: str = SECRET_ANSWER) -> dict[str, object]:
    return {
        "id": record_id,
        "author": "p1",
        "answers": {"q1": answer, "q2": "Mere tid til faglig sparring", "q3": 4},
    }


def snapshot(root: Path, *, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under ``root`` (relative path -> bytes), except names in ``skip``."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name not in skip
    }


def shard_path(root: Path, vault: Vault, shard_id: str) -> Path:
    return root / "vaults" / vault.id / "shards" / shard_id[:2] / shard_id


def header_path(root: Path, vault_id: str) -> Path:
    return root / "vaults" / vault_id / "header"
