"""Who a record names: the people a conversation's fields point at.

Records come from other devices and the share, so every field is read defensively:
anything but an id (or a list of ids) names nobody. Both who may read a record
(``visibility``) and who may write it (``rights``) ask here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Record = Mapping[str, Any]


def person_named(value: Any) -> set[str]:
    """The person ``value`` names when it is an id; anything else names nobody."""
    return {value} if isinstance(value, str) and value else set()


def people_named(value: Any) -> set[str]:
    """The people a list of ids names; anything else, or any other item, names nobody."""
    if not isinstance(value, list | tuple):
        return set()
    return {v for v in value if isinstance(v, str) and v}


def leaders(conversation: Record) -> set[str]:
    """The leader and the leader who holds it for them, if any."""
    return person_named(conversation.get("leader_id")) | person_named(
        conversation.get("delegate_leader_id"))


def participants(conversation: Record) -> set[str]:
    return people_named(conversation.get("participant_ids"))


def companion(conversation: Record) -> set[str]:
    return person_named(conversation.get("companion_id"))
