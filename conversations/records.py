"""Versioned records: a stable id, an author, and versions linked to their parents.

Every record kept in the vault or sent to the share is a version in a small DAG. The
version id is a hash of the canonical content and its parents, so two devices that make
the same edit agree on the id, and merging never needs to trust a wall clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import types
import typing
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar, Self, TypeVar

T = TypeVar("T", bound="Versioned")


def new_id() -> str:
    return uuid.uuid4().hex


def derived_id(record_type: str, *parts: str) -> str:
    """The id every device gives the one record of ``record_type`` for ``parts`` (see
    ``conversations.identity``): the same on each, whoever starts it."""
    seed = "|".join((record_type, *parts))
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def canonical_json(value: Any) -> bytes:
    """One byte string per value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def hash_content(content: Any) -> str:
    """The version id of a record's content (everything but the version id itself)."""
    return hashlib.sha256(canonical_json(content)).hexdigest()[:32]


def encode(value: Any) -> Any:
    """Turns dataclasses, enums, dates and tuples into JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | frozenset | set):
        items = [encode(v) for v in value]
        return sorted(items) if isinstance(value, frozenset | set) else items
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    return value


def decode(kind: Any, value: Any) -> Any:
    """The inverse of :func:`encode`, guided by a type annotation."""
    if value is None:
        return None
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return decode(inner[0], value) if len(inner) == 1 else value
    if origin in (list, tuple, frozenset, set):
        item = args[0] if args else Any
        items = [decode(item, v) for v in value]
        return origin(items) if origin is not list else items
    if origin in (dict, Mapping) or kind in (dict, Mapping):
        vtype = args[1] if len(args) == 2 else Any
        return {k: decode(vtype, v) for k, v in value.items()}
    if isinstance(kind, type):
        if dataclasses.is_dataclass(kind):
            return from_dict(kind, value)
        if issubclass(kind, enum.Enum):
            return kind(value)
        if issubclass(kind, dt.datetime):
            return dt.datetime.fromisoformat(value)
        if issubclass(kind, dt.date):
            return dt.date.fromisoformat(value)
    return value


def from_dict(cls: type[Any], data: Mapping[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for field in dataclasses.fields(cls):
        if field.name in data and field.init:
            kwargs[field.name] = decode(hints[field.name], data[field.name])
    return cls(**kwargs)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Versioned:
    """Base of every stored record. Subclasses add their own fields."""

    record_type: ClassVar[str] = "record"

    id: str = dataclasses.field(default_factory=new_id)
    author: str = ""
    parents: tuple[str, ...] = ()
    version: str = ""

    def __post_init__(self) -> None:
        if not self.version:
            object.__setattr__(self, "version", self.content_hash())

    def content(self) -> dict[str, Any]:
        """Everything that identifies this version except the version id itself."""
        data: dict[str, Any] = encode(self)
        data.pop("version", None)
        data["type"] = self.record_type
        return data

    def content_hash(self) -> str:
        return hash_content(self.content())

    def revised(self, author: str | None = None, **changes: Any) -> Self:
        """A new version with ``changes``; its parent is this version."""
        return dataclasses.replace(
            self,
            author=self.author if author is None else author,
            parents=(self.version,),
            version="",
            **changes,
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = encode(self)
        data["type"] = self.record_type
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        record = from_dict(cls, data)
        if not isinstance(record, cls):
            raise TypeError(f"{cls.__name__}.from_dict made a {type(record).__name__}")
        return record
