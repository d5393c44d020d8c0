"""What the vault's index keeps for each conversation, so that home, the leader's
board, reminders and the privacy desk never open a shard to list conversations.

One typed entry, written in one place (``Session.summary_entry``) and read through
``IndexEntry.from_dict``; an entry a newer or older app wrote with fields missing
reads with safe defaults instead of failing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from conversations.model import Conversation, Kind, State


@dataclasses.dataclass(frozen=True)
class IndexEntry:
    kind: Kind
    state: State
    with_whom: str = ""
    planned_at: dt.datetime | None = None
    follow_up_due: dt.date | None = None
    leader_id: str = ""
    delegate_leader_id: str | None = None
    participant_ids: tuple[str, ...] = ()
    answered: int = 0
    total: int = 0
    shared_by: tuple[str, ...] = ()  # participants whose preparation the leader has

    def leading(self, person_id: str) -> bool:
        """Whether ``person_id`` leads this conversation (or holds it for the leader)."""
        return bool(person_id) and person_id in (self.leader_id, self.delegate_leader_id)

    def people(self) -> tuple[str, ...]:
        """Everyone in it: leader, delegate, participants, each once."""
        found = [p for p in (self.leader_id, self.delegate_leader_id, *self.participant_ids)
                 if p]
        return tuple(dict.fromkeys(found))

    def conversation(self, conversation_id: str, me: str) -> Conversation:
        """The conversation as far as the entry tells (no sheet, no history)."""
        return Conversation(
            id=conversation_id, kind=self.kind, sheet_id="", sheet_version=0,
            leader_id=self.leader_id or me, delegate_leader_id=self.delegate_leader_id,
            participant_ids=self.participant_ids, planned_at=self.planned_at,
            follow_up_due=self.follow_up_due, state=self.state, author=me,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "state": self.state.value,
            "with_whom": self.with_whom,
            "planned_at": self.planned_at.isoformat() if self.planned_at else None,
            "follow_up_due": self.follow_up_due.isoformat() if self.follow_up_due else None,
            "leader_id": self.leader_id,
            "delegate_leader_id": self.delegate_leader_id,
            "participant_ids": list(self.participant_ids),
            "answered": self.answered,
            "total": self.total,
            "shared_by": list(self.shared_by),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IndexEntry:
        planned, due = data.get("planned_at"), data.get("follow_up_due")
        delegate = data.get("delegate_leader_id")
        return cls(
            kind=Kind(data["kind"]),
            state=State(data["state"]),
            with_whom=str(data.get("with_whom") or ""),
            planned_at=dt.datetime.fromisoformat(planned) if isinstance(planned, str) and planned
            else None,
            follow_up_due=dt.date.fromisoformat(due) if isinstance(due, str) and due else None,
            leader_id=str(data.get("leader_id") or ""),
            delegate_leader_id=delegate if isinstance(delegate, str) and delegate else None,
            participant_ids=tuple(str(p) for p in data.get("participant_ids") or ()),
            answered=int(data.get("answered") or 0),
            total=int(data.get("total") or 0),
            shared_by=tuple(str(p) for p in data.get("shared_by") or ()),
        )

    @classmethod
    def of(cls, conversation: Conversation, with_whom: str, answered: int,
           total: int, shared_by: tuple[str, ...] = ()) -> IndexEntry:
        return cls(
            kind=conversation.kind, state=conversation.state, with_whom=with_whom,
            planned_at=conversation.planned_at, follow_up_due=conversation.follow_up_due,
            leader_id=conversation.leader_id,
            delegate_leader_id=conversation.delegate_leader_id,
            participant_ids=tuple(conversation.participant_ids),
            answered=answered, total=total, shared_by=shared_by,
        )
