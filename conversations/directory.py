"""The organisation's directory: who works here, in which roles, unit and team, under
which leader, with which public keys and devices — and the organisation's policy.

Owns: :class:`Member`, :class:`Policy` and :class:`Directory` as plain data, their dict
form for the share, and the checks that keep a directory whole (every member named, ids
unique, every leader a member). :mod:`conversations.visibility` reads it to choose who
may read a record.

Must not touch: Flet, the vault, the share, cryptography. Keys are opaque base64 text
here; only ``sync`` gives them meaning.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from typing import Any

from conversations.model import InputRejected, Role
from conversations.records import encode

_ROLES = frozenset(role.value for role in Role)

MED_MIN_GROUP = 5
"""The fewest people behind any number MED sees; an organisation may only raise it."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class RetiredKey:
    """A signing key a member had before HR approved new keys for them (a lost or
    stolen device, ``sync.organisation``). It still vouches for what was written with
    it before: each device's journal segments up to ``until[device]`` (none on a device
    it does not name) and signatures made up to ``retired_at`` (ISO 8601) — and for
    nothing later. ``lost`` names the devices reported lost or stolen."""

    sign_key: str
    until: Mapping[str, int]
    lost: tuple[str, ...] = ()
    retired_at: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.sign_key, str) or not self.sign_key:
            raise InputRejected("error.directory_invalid", field="retired")
        if not all(isinstance(d, str) and isinstance(n, int) and not isinstance(n, bool)
                   for d, n in self.until.items()):
            raise InputRejected("error.directory_invalid", field="retired")
        object.__setattr__(self, "until", types.MappingProxyType(dict(self.until)))

    def counts(self, device: str, seq: int) -> bool:
        """Whether a segment ``seq`` of ``device`` signed with this key still counts."""
        return seq <= self.until.get(device, 0)

    @classmethod
    def from_dict(cls, data: Any) -> RetiredKey:
        if not isinstance(data, Mapping):
            raise InputRejected("error.directory_invalid", field="retired")
        lost = _field(data, "lost", list, [])
        if not all(isinstance(d, str) for d in lost):
            raise InputRejected("error.directory_invalid", field="retired")
        return cls(sign_key=_field(data, "sign_key", str), until=_field(data, "until", dict),
                   lost=tuple(lost), retired_at=_field(data, "retired_at", str, ""))


@dataclasses.dataclass(frozen=True, kw_only=True)
class Member:
    id: str
    name: str
    roles: frozenset[Role] = frozenset({Role.EMPLOYEE})
    unit: str = ""
    team: str = ""
    leader_id: str | None = None
    job_profile: str | None = None
    enc_key: str = ""
    sign_key: str = ""
    devices: tuple[str, ...] = ()
    retired: tuple[RetiredKey, ...] = ()

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise InputRejected("error.directory_invalid", field="id")
        if not self.name.strip():
            raise InputRejected("error.name_required")

    def to_dict(self) -> dict[str, Any]:
        # Spelled out rather than ``encode(self)``: a directory of 45,000 members is
        # turned into a dict on every change a device keeps, and this is 3–4× faster.
        data: dict[str, Any] = {
            "id": self.id, "name": self.name, "roles": sorted(r.value for r in self.roles),
            "unit": self.unit, "team": self.team, "leader_id": self.leader_id,
            "job_profile": self.job_profile, "enc_key": self.enc_key,
            "sign_key": self.sign_key, "devices": list(self.devices),
        }
        if self.retired:  # directories from before key rotation read the same
            data["retired"] = encode(self.retired)
        return data

    def lost_devices(self) -> frozenset[str]:
        return frozenset(d for key in self.retired for d in key.lost)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Member:
        roles = _field(data, "roles", list, [Role.EMPLOYEE.value])
        if not all(isinstance(r, str) and r in _ROLES for r in roles):
            raise InputRejected("error.directory_invalid", field="roles")
        devices = _field(data, "devices", list, [])
        if not all(isinstance(d, str) for d in devices):
            raise InputRejected("error.directory_invalid", field="devices")
        return cls(
            id=_field(data, "id", str),
            name=_field(data, "name", str),
            roles=frozenset(Role(r) for r in roles),
            unit=_field(data, "unit", str, ""),
            team=_field(data, "team", str, ""),
            leader_id=_field(data, "leader_id", str | None, None),
            job_profile=_field(data, "job_profile", str | None, None),
            enc_key=_field(data, "enc_key", str, ""),
            sign_key=_field(data, "sign_key", str, ""),
            devices=tuple(devices),
            retired=tuple(RetiredKey.from_dict(k) for k in _field(data, "retired", list, [])),
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class Policy:
    agreements_to_hr: bool = True
    med_min_group: int = MED_MIN_GROUP
    leaders_edit_sheets: bool = False
    """Whether leaders may draft question sheets (HR still publishes them)."""

    def __post_init__(self) -> None:
        if not isinstance(self.agreements_to_hr, bool):
            raise InputRejected("error.directory_invalid", field="agreements_to_hr")
        if not isinstance(self.leaders_edit_sheets, bool):
            raise InputRejected("error.directory_invalid", field="leaders_edit_sheets")
        if isinstance(self.med_min_group, bool) or not isinstance(self.med_min_group, int):
            raise InputRejected("error.directory_invalid", field="med_min_group")
        if self.med_min_group < MED_MIN_GROUP:
            raise InputRejected("error.med_min_group", minimum=MED_MIN_GROUP)

    def to_dict(self) -> dict[str, Any]:
        return {"agreements_to_hr": self.agreements_to_hr, "med_min_group": self.med_min_group,
                "leaders_edit_sheets": self.leaders_edit_sheets}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        return cls(
            agreements_to_hr=_field(data, "agreements_to_hr", bool, True),
            med_min_group=_field(data, "med_min_group", int, MED_MIN_GROUP),
            leaders_edit_sheets=_field(data, "leaders_edit_sheets", bool, False),
        )


@dataclasses.dataclass(frozen=True)
class Directory:
    """One version of the directory; every change makes the next version."""

    version: int
    members: Mapping[str, Member] = dataclasses.field(default_factory=dict)
    policy: Policy = Policy()

    def __post_init__(self) -> None:
        if isinstance(self.version, bool) or not isinstance(self.version, int):
            raise InputRejected("error.directory_invalid", field="version")
        if self.version < 0:
            raise InputRejected("error.directory_invalid", field="version")
        for key, member in self.members.items():
            if key != member.id:
                raise InputRejected("error.directory_invalid", field="members")
        for member in self.members.values():
            if member.leader_id is not None and member.leader_id not in self.members:
                raise InputRejected(
                    "error.directory_unknown_leader", id=member.id, leader_id=member.leader_id
                )
        object.__setattr__(self, "members", types.MappingProxyType(dict(self.members)))

    def member(self, person_id: str) -> Member | None:
        return self.members.get(person_id)

    def leader_of(self, person_id: str) -> Member | None:
        person = self.members.get(person_id)
        if person is None or person.leader_id is None:
            return None
        return self.members.get(person.leader_id)

    def team_of(self, team: str) -> tuple[Member, ...]:
        """The members of ``team``, by id; nobody for the empty team name."""
        if not team:
            return ()
        return tuple(m for _, m in sorted(self.members.items()) if m.team == team)

    def hr_ids(self) -> frozenset[str]:
        return frozenset(m.id for m in self.members.values() if Role.HR in m.roles)

    def with_member(self, member: Member) -> Directory:
        """The next version, with ``member`` added or replacing the one with its id."""
        return Directory(self.version + 1, {**self.members, member.id: member}, self.policy)

    def without_member(self, person_id: str) -> Directory:
        """The next version without ``person_id`` (they left): nothing new is sealed for
        them. Whoever had them as leader has no leader in the directory until HR sets
        one."""
        members = {
            pid: m if m.leader_id != person_id else dataclasses.replace(m, leader_id=None)
            for pid, m in self.members.items() if pid != person_id
        }
        return Directory(self.version + 1, members, self.policy)

    def with_change(self, change: DirectoryChange) -> Directory:
        """The version ``change`` makes of this one; InputRejected unless it is the next
        version and leaves a whole directory (every leader a member)."""
        if change.version != self.version + 1:
            raise InputRejected("error.directory_invalid", field="version")
        members = {pid: m for pid, m in self.members.items() if pid not in change.remove}
        members.update((m.id, m) for m in change.put)
        return Directory(change.version, members, change.policy)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "policy": self.policy.to_dict(),
            "members": [self.members[k].to_dict() for k in sorted(self.members)],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Directory:
        if not isinstance(data, Mapping):
            raise InputRejected("error.directory_invalid", field="directory")
        members: dict[str, Member] = {}
        for item in _field(data, "members", list, []):
            if not isinstance(item, Mapping):
                raise InputRejected("error.directory_invalid", field="members")
            member = Member.from_dict(item)
            if member.id in members:
                raise InputRejected("error.directory_duplicate_id", id=member.id)
            members[member.id] = member
        policy = _field(data, "policy", dict, {})
        return cls(_field(data, "version", int), members, Policy.from_dict(policy))


@dataclasses.dataclass(frozen=True)
class DirectoryChange:
    """What one directory version changes from the one before: the members added or
    changed (whole), the ids removed, and the policy as it stands after. Small for a
    hire or a leaver, however large the directory — so it travels on its own."""

    version: int
    put: tuple[Member, ...] = ()
    remove: tuple[str, ...] = ()
    policy: Policy = Policy()

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "put": [m.to_dict() for m in sorted(self.put, key=lambda m: m.id)],
            "remove": sorted(self.remove),
            "policy": self.policy.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Any) -> DirectoryChange:
        if not isinstance(data, Mapping):
            raise InputRejected("error.directory_invalid", field="change")
        put = _field(data, "put", list)
        remove = _field(data, "remove", list)
        if not all(isinstance(m, Mapping) for m in put) or not all(
            isinstance(pid, str) for pid in remove
        ):
            raise InputRejected("error.directory_invalid", field="change")
        version = _field(data, "version", int)
        return cls(version, tuple(Member.from_dict(m) for m in put), tuple(remove),
                   Policy.from_dict(_field(data, "policy", dict)))


def change_between(old: Directory, new: Directory) -> DirectoryChange:
    """The change that makes ``new`` of ``old``; ValueError unless ``new`` is the next
    version."""
    if new.version != old.version + 1:
        raise ValueError("not the next directory version")
    put = tuple(m for pid, m in sorted(new.members.items()) if old.members.get(pid) != m)
    remove = tuple(pid for pid in sorted(old.members) if pid not in new.members)
    return DirectoryChange(new.version, put, remove, new.policy)


_REQUIRED = object()


def _field(data: Mapping[str, Any], name: str, kind: Any, default: Any = _REQUIRED) -> Any:
    """``data[name]`` when it is a ``kind``; ``default`` when missing and one is given."""
    if name not in data:
        if default is _REQUIRED:
            raise InputRejected("error.directory_invalid", field=name)
        return default
    value = data[name]
    if (isinstance(value, bool) and kind is int) or not isinstance(value, kind):
        raise InputRejected("error.directory_invalid", field=name)
    return value
