"""The encrypted local vault: keys, sealed TinyDB shards, atomic writes.

What this package owns: everything the app keeps on the device. Nothing readable ever
touches disk — records, temp files and settings are sealed with AES-256-GCM; file names
are random hex. What it must not touch: Flet, the domain rules, the share (``sync/``).

The views use only what is exported here, through ``asyncio.to_thread`` (KDF and fsync
block; every call is thread-safe)::

    device = Device(data_root)
    vault, recovery_code = device.create_profile("4711", symbol=3)
    vault = device.unlock(profile_id, pin)          # TooSoon / WrongPin / CorruptFile
    vault.put_record(conversation_id, "preparations", {"id": ..., ...})  # durable autosave
    vault.catalog(); vault.put_catalog({conversation_id: summary})
    vault.lock()

Modules, one idea each:

- ``sealing``  the only module that touches cryptography (recipes: seal/open, KDFs)
- ``files``    durable atomic replace (temp, fsync, ``os.replace``, folder fsync)
- ``header``   the vault header format (key slots, KDF cost, checksum)
- ``attempts`` the wrong-PIN count and its growing delay
- ``keys``     PIN / recovery code -> vault key; PIN change and recovery rewrap only
- ``shard``    ``SealedStorage``, the one ``tinydb.Storage``, and a shard's records
- ``vault``    the unlocked vault API; conversation shards and the catalog
- ``device``   the profiles in a data folder
- ``errors``   errors with translation keys
"""

from storage.device import Device, ProfileInfo
from storage.errors import (
    BadPin,
    CorruptFile,
    DiskFull,
    StorageError,
    TooSoon,
    VaultLocked,
    WriteFailed,
    WrongPin,
    WrongRecoveryCode,
)
from storage.sealing import KdfParams
from storage.vault import Vault

__all__ = [
    "BadPin",
    "CorruptFile",
    "Device",
    "DiskFull",
    "KdfParams",
    "ProfileInfo",
    "StorageError",
    "TooSoon",
    "Vault",
    "VaultLocked",
    "WriteFailed",
    "WrongPin",
    "WrongRecoveryCode",
]
