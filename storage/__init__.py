"""The encrypted local vault: keys, sealed TinyDB shards, atomic writes.

What this package owns: everything the app keeps on the device. Nothing readable ever
touches disk — records, temp files and settings are sealed with AES-256-GCM; file names
are random hex. What it must not touch: Flet, the domain rules, the share (``sync/``).

The views use only what is exported here, through ``asyncio.to_thread`` (KDF and fsync
block; every call is thread-safe)::

    device = Device(data_root)
    vault, recovery_code = device.create_profile("471108", symbol=3)  # 6+ characters
    vault = device.unlock(profile_id, pin)          # TooSoon / WrongPin / CorruptFile / ReadFailed
    vault.put_record(conversation_id, "preparations", {"id": ..., ...})  # durable autosave
    vault.index(); vault.put_index({conversation_id: summary})
    vault.lock()  # this handle; other unlocks of the same profile share one open vault

Every failure is a ``StorageError`` carrying a translation ``key`` and its ``params``.

Modules, one idea each:

- ``sealing``  the only module that touches cryptography and argon2 (recipes: seal/open, KDFs)
- ``files``    durable atomic replace (temp, fsync, ``os.replace``, folder fsync)
- ``header``   the vault header format (key slots, KDF cost, checksum)
- ``attempts`` the wrong-PIN count and its growing delay
- ``keys``     PIN / recovery code -> vault key; PIN change and recovery rewrap only
- ``shard``    ``SealedStorage``, the one ``tinydb.Storage``, and a shard's records
- ``manifest`` rollback detection: save counters and header epochs the vault wrote
- ``vault``    the unlocked vault API; conversation shards and the index
- ``device``   the profiles in a data folder
- ``errors``   errors with translation keys
"""

from storage.device import Device, ProfileInfo
from storage.errors import (
    BadPin,
    CorruptFile,
    DiskFull,
    NotDurable,
    ReadFailed,
    StorageError,
    TooSoon,
    VaultLocked,
    WriteFailed,
    WrongPin,
    WrongRecoveryCode,
)
from storage.keys import MIN_PIN_LENGTH
from storage.sealing import KdfParams
from storage.vault import Vault

__all__ = [
    "MIN_PIN_LENGTH",
    "BadPin",
    "CorruptFile",
    "Device",
    "DiskFull",
    "KdfParams",
    "NotDurable",
    "ProfileInfo",
    "ReadFailed",
    "StorageError",
    "TooSoon",
    "Vault",
    "VaultLocked",
    "WriteFailed",
    "WrongPin",
    "WrongRecoveryCode",
]
