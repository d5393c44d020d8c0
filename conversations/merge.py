"""Merging two devices' versions of one record, without trusting a clock.

Owns: the three-way merge of records in their plain-dict form (``Versioned.to_dict()``),
the conflicts a person must settle, settling them, and finding in the parents DAG the
version to merge against. Works on dicts so the sync engine can merge what it received
without knowing each record's class.

Rules, in order: the same content on both sides is settled at once; a side that still
equals the base is fast-forwarded to the other; otherwise each field is merged on its
own (mapping fields such as ``answers`` or ``notes`` key by key, one level deep). Where
both sides changed the same field or key differently the merged record keeps ours and a
:class:`Conflict` carries both values, so nothing is dropped silently. A signed
agreement is never merged (:class:`AgreementSigned`): changing it supersedes it. Taking
one side whole — the same content, or a fast-forward to the version that was signed —
is not a merge and stays allowed.

Which conflicts a person is shown is not decided here but read from the history
(``conversations.clashes``), so a merge with a conflict may be shared like any version.

Must not touch: Flet, the vault, the share, cryptography, and clocks — which version
wins is never decided by a time stamp.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from conversations.records import canonical_json, hash_content

Record = Mapping[str, Any]
MergeKind = Literal["same", "fast_forward_ours", "fast_forward_theirs", "merged"]

CHOSEN = "chosen"
"""A settled version's note of what the person chose there: ``[[field, key or None],
...]``. It says "written here" even where the chosen value is the one the record already
showed, so every device sees the clash closed (see :func:`clashes`). A version carries
it only where it was made by :func:`resolve`; a merge never carries it on."""

IDENTITY: frozenset[str] = frozenset({"id", "type", "author", "parents", "version", CHOSEN})
"""Keys that say which version a record is, or how it came about: never merged as
content."""


class NoValue(enum.Enum):
    """Where a conflict or base has no value to show."""

    ABSENT = "absent"
    """The field or key is not there: never set, or deleted on that side."""
    DISPUTED = "disputed"
    """The nearest common versions disagree, so there is no single base value."""


ABSENT = NoValue.ABSENT
DISPUTED = NoValue.DISPUTED


class RecordMismatch(ValueError):
    """The versions given to merge belong to different records."""


class AgreementSigned(Exception):
    """A signed agreement would need merging; keep both versions, supersede instead."""


class ConflictOutdated(ValueError):
    """The record no longer holds ours where the conflict is: it was settled or changed."""


@dataclasses.dataclass(frozen=True)
class Conflict:
    """Both sides changed ``field`` (or ``key`` inside it) to different values."""

    field: str
    key: str | None
    base: Any
    ours: Any
    theirs: Any


@dataclasses.dataclass(frozen=True)
class Merge:
    """The record to keep, what a person must still settle, and how it came about.

    ``kind``: ``same`` (both sides hold the same content; ``record`` is the version both
    devices settle on), ``fast_forward_ours``/``fast_forward_theirs`` (``record`` is that
    side unchanged) or ``merged`` (a new version whose parents are both sides).
    """

    record: dict[str, Any]
    conflicts: tuple[Conflict, ...]
    kind: MergeKind


def version_of(record: Record) -> str:
    """The version id of a record dict, exactly as ``Versioned.content_hash`` makes it."""
    content = {k: v for k, v in record.items() if k != "version"}
    return hash_content(content)


def merge(
    base: Record | None, ours: Record, theirs: Record, *, author: str | None = None
) -> Merge:
    """Merges ``ours`` and ``theirs``, two versions of one record, against ``base``.

    ``base`` is their common ancestor (see :func:`merge_base`), or None when unknown:
    then every field both sides hold differently is a conflict. ``author`` is the person
    making the merge; it defaults to ours' author.
    """
    _check_one_record(base, ours, theirs)
    if _same(_content(ours), _content(theirs)):
        return Merge(_copy(_settled(ours, theirs)), (), "same")
    if base is not None and _same(_content(base), _content(ours)):
        return Merge(_copy(theirs), (), "fast_forward_theirs")
    if base is not None and _same(_content(base), _content(theirs)):
        return Merge(_copy(ours), (), "fast_forward_ours")
    if _signed_agreement(ours) or _signed_agreement(theirs):
        raise AgreementSigned(f"agreement {ours.get('id')} is signed; supersede it instead")
    fields, conflicts = _merge_fields(base or {}, ours, theirs)
    record = {k: ours[k] for k in ("id", "type") if k in ours}
    record.update(fields)
    record["author"] = ours.get("author", "") if author is None else author
    record["parents"] = sorted({str(ours.get("version")), str(theirs.get("version"))})
    return Merge(_stamped(record), tuple(conflicts), "merged")


def resolve(
    record: Record,
    conflict: Conflict,
    choice: Literal["ours", "theirs"] | Any,
    *,
    author: str | None = None,
) -> dict[str, Any]:
    """A new version of a merged ``record`` with ``conflict`` settled.

    ``choice`` is ``"ours"``, ``"theirs"`` or the value the person wrote instead;
    :data:`ABSENT` removes the field or key. The new version's parent is ``record``.
    """
    value = choice
    if isinstance(choice, str) and choice in ("ours", "theirs"):
        value = conflict.ours if choice == "ours" else conflict.theirs
    if value is DISPUTED:
        raise ValueError("a conflict cannot be settled with no value")
    if not _same(_at(record, conflict.field, conflict.key), conflict.ours):
        raise ConflictOutdated(f"{conflict.field}/{conflict.key} changed since the merge")
    settled = _copy(record)
    if conflict.key is None:
        _put(settled, conflict.field, value)
    else:
        inner = dict(settled.get(conflict.field) or {})
        _put(inner, conflict.key, value)
        settled[conflict.field] = inner
    settled["author"] = record.get("author", "") if author is None else author
    settled["parents"] = [str(record.get("version"))]
    settled[CHOSEN] = [[conflict.field, conflict.key]]
    return _stamped(settled)


def common_ancestor(versions: Mapping[str, Record], a: str, b: str) -> str | None:
    """The nearest version both ``a`` and ``b`` descend from (either may be it).

    None when they share no known history, or when several nearest ancestors compete
    (two devices merged the same pair): picking one of those would let a later merge
    settle a conflict silently, so :func:`merge_base` builds a base from all of them.
    Versions missing from ``versions`` end the walk; ``a`` and ``b`` count as their own.
    """
    nearest = _nearest_common(versions, a, b)
    return nearest[0] if len(nearest) == 1 else None


def merge_base(
    versions: Mapping[str, Record], a: str, b: str, *, blank: Record | None = None
) -> dict[str, Any] | None:
    """The base to pass to :func:`merge` for versions ``a`` and ``b``.

    The nearest common ancestor's record; where several compete, a base that holds
    what they agree on and :data:`DISPUTED` where they differ, so every difference left
    from the earlier merges comes back as a conflict instead of being settled silently.
    When ``a`` and ``b`` share no history at all — two devices each started the record
    (its id is derived alike everywhere) — ``blank``, the version both started from
    (``conversations.identity.blank``). None when part of the history is missing, or
    there is none and no ``blank``.
    """
    nearest = _nearest_common(versions, a, b)
    if not nearest:
        return _copy(blank) if blank is not None else None
    records = [versions.get(v) for v in nearest]
    known = [r for r in records if r is not None]
    if not known or len(known) != len(records):
        return None
    if len(known) == 1:
        return _copy(known[0])
    return _agreed(known)


def _check_one_record(base: Record | None, ours: Record, theirs: Record) -> None:
    for other in (theirs, base):
        if other is None:
            continue
        if other.get("id") != ours.get("id") or other.get("type") != ours.get("type"):
            raise RecordMismatch(f"{ours.get('id')} and {other.get('id')} are not one record")


def _content(record: Record) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in IDENTITY}


def _same(a: Any, b: Any) -> bool:
    """Equal as stored: by canonical JSON, so ``1`` and ``True`` differ, tuples are lists."""
    if isinstance(a, NoValue) or isinstance(b, NoValue):
        return a is b
    if _holds_no_value(a) or _holds_no_value(b):
        return bool(a == b)
    return canonical_json(a) == canonical_json(b)


def _holds_no_value(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(isinstance(v, NoValue) or _holds_no_value(v) for v in value.values())
    return False


def _settled(ours: Record, theirs: Record) -> Record:
    """Of two versions with the same content, the one both devices pick: the lower id."""
    return ours if str(ours.get("version")) <= str(theirs.get("version")) else theirs


def _signed_agreement(record: Record) -> bool:
    return record.get("type") == "agreement" and bool(record.get("signatures"))


def _merge_fields(
    base: Record, ours: Record, theirs: Record
) -> tuple[dict[str, Any], list[Conflict]]:
    fields: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    for name in _names(base, ours, theirs):
        if name in IDENTITY:
            continue
        b, o, t = (r.get(name, ABSENT) for r in (base, ours, theirs))
        value, clash = _three_way(b, o, t)
        if clash and isinstance(o, Mapping) and isinstance(t, Mapping):
            value, inner = _merge_keys(name, b, o, t)
            conflicts.extend(inner)
        elif clash:
            conflicts.append(Conflict(name, None, b, o, t))
        if value is not ABSENT:
            fields[name] = value
    return fields, conflicts


def _merge_keys(
    name: str, b: Any, o: Mapping[str, Any], t: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Conflict]]:
    base: Mapping[str, Any] = b if isinstance(b, Mapping) else {}
    merged: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    for key in _names(base, o, t):
        bk = DISPUTED if b is DISPUTED else base.get(key, ABSENT)
        ok, tk = o.get(key, ABSENT), t.get(key, ABSENT)
        value, clash = _three_way(bk, ok, tk)
        if clash:
            conflicts.append(Conflict(name, key, bk, ok, tk))
        if value is not ABSENT:
            merged[key] = value
    return merged, conflicts


def _three_way(b: Any, o: Any, t: Any) -> tuple[Any, bool]:
    """The merged value and whether both sides changed it differently (then ours)."""
    if _same(o, t) or _same(t, b):
        return o, False
    if _same(o, b):
        return t, False
    return o, True


def _names(*mappings: Mapping[str, Any]) -> list[str]:
    return sorted({k for m in mappings for k in m}, key=str)


def _at(record: Record, field: str, key: str | None) -> Any:
    value = record.get(field, ABSENT)
    if key is None:
        return value
    return value.get(key, ABSENT) if isinstance(value, Mapping) else ABSENT


def _put(target: dict[str, Any], name: str, value: Any) -> None:
    if value is ABSENT:
        target.pop(name, None)
    else:
        target[name] = copy.deepcopy(value)


def _stamped(record: dict[str, Any]) -> dict[str, Any]:
    record.pop("version", None)
    record["version"] = version_of(record)
    return record


def _copy(record: Record) -> dict[str, Any]:
    return copy.deepcopy(dict(record))


def _ancestors(versions: Mapping[str, Record], starts: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        version = stack.pop()
        if version in seen:
            continue
        seen.add(version)
        record = versions.get(version)
        if record is not None:
            stack.extend(str(p) for p in record.get("parents", ()))
    return seen


def _nearest_common(versions: Mapping[str, Record], a: str, b: str) -> list[str]:
    common = _ancestors(versions, [a]) & _ancestors(versions, [b])
    parents = [
        str(p) for v in common if (r := versions.get(v)) is not None for p in r.get("parents", ())
    ]
    return sorted(common - _ancestors(versions, parents))


def _agreed(records: list[Record]) -> dict[str, Any]:
    """A base from several: each field or key where all agree, DISPUTED where not."""
    base: dict[str, Any] = {k: records[0][k] for k in ("id", "type") if k in records[0]}
    for name in _names(*records):
        if name in IDENTITY:
            continue
        values = [r.get(name, ABSENT) for r in records]
        if all(_same(values[0], v) for v in values):
            agreed = values[0]
        elif all(isinstance(v, Mapping) for v in values):
            agreed = {
                key: DISPUTED
                if not all(_same(values[0].get(key, ABSENT), v.get(key, ABSENT)) for v in values)
                else values[0][key]
                for key in _names(*values)
            }
        else:
            agreed = DISPUTED
        if agreed is not ABSENT:
            base[name] = copy.deepcopy(agreed)
    return base
