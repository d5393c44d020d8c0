"""A person's devices, as the person keeps them: one record per device.

Owns: :class:`DeviceEntry` (record type ``device``) — the name the person gave a
device, when it was added, when it last synced, and whether it was reported lost —
and the id every device derives for it. The person writes these records; they and HR
read them (``conversations.visibility``, ``conversations.rights``). HR lists the
devices in the signed directory (``Member.devices``); these records are what the
person's own devices show under *Mine enheder*.

Must not touch: Flet, files, the clock (times come in as arguments), keys.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import ClassVar

from conversations.records import Versioned, derived_id


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeviceEntry(Versioned):
    record_type: ClassVar[str] = "device"

    person_id: str
    device_id: str
    name: str
    added_at: dt.datetime
    last_sync: dt.datetime | None = None
    lost_at: dt.datetime | None = None

    @property
    def lost(self) -> bool:
        return self.lost_at is not None


def device_entry_id(person_id: str, device_id: str) -> str:
    """The id of ``person_id``'s record of ``device_id``: the same on every device."""
    return derived_id(DeviceEntry.record_type, person_id, device_id)


def listed(entries: Iterable[DeviceEntry], person_id: str) -> list[DeviceEntry]:
    """``person_id``'s devices, the ones in use first, each by when it was added."""
    own = [e for e in entries if e.person_id == person_id]
    return sorted(own, key=lambda e: (e.lost, e.added_at, e.name))
