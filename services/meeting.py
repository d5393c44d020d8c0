"""Planning, holding and closing a conversation, in plain Python: no Flet here.

A leader plans (kind, participants, date, sheet, delegate, companion) and gets the
invitation text, the question sheet as a PDF and an .ics file. In the conversation the
leader sees, per theme, what each participant shared beside their own private
preparation, writes minutes and builds the development agreement. Each party signs the
agreement with their own key: the other party either on their own device, or here on a
shared tablet by unlocking their own profile for that one signature. Once every party
has signed, the conversation is agreed and its follow-up is due about six months later.

Every record goes into the leader's vault and, through the outbox, to exactly the
people the visibility rules name. Nothing readable is written anywhere else: PDFs and
calendar files are built in memory and handed to the screen to export.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from conversations.agreements import AgreementStatus, amended, check_goals, with_goals
from conversations.directory import Member
from conversations.follow_up import FOLLOW_UP_SHEET_ID, FOLLOW_UP_SHEET_VERSION
from conversations.identity import (
    agreement_id,
    minutes_id,
    read_as_one,
    team_plan_id,
)
from conversations.model import (
    MAX_ANSWER_CHARS,
    Agreement,
    Conversation,
    Goal,
    GoalStatus,
    InputRejected,
    Kind,
    Minutes,
    Preparation,
    Role,
    State,
    TeamPlan,
    follow_up_date,
    storable_text,
)
from conversations.records import new_id
from conversations.sheets import QuestionSheet
from conversations.team import (
    Card,
    approve_member_goal,
    dialog_deck,
    draw_card,
    individual_follow_ups,
    with_action,
    with_card_placed,
    with_member_goal,
    without_action,
)
from documents.calendar import follow_up_ics, invitation_ics, invitation_text
from documents.pdf import (
    agreement_document,
    conversation_document,
    question_sheet_document,
    team_plan_document,
)
from services.session import Session
from storage.schema import (
    AGREEMENT_TABLE,
    CONVERSATION_TABLE,
    MINUTES_TABLE,
    PREPARATION_TABLE,
    PROFILE_KEY,
    TEAM_PLAN_TABLE,
)
from sync.identity import identity_of
from sync.signing import fingerprint_of, sign_agreement, verified_status, verify_signatures

if TYPE_CHECKING:
    from storage import Vault

DEFAULT_HOUR = dt.time(10, 0)
MIN_FOLLOW_UP_MONTHS, MAX_FOLLOW_UP_MONTHS = 1, 24


@dataclasses.dataclass
class Meeting:
    """One conversation as the person holding (or signing) it sees it."""

    conversation: Conversation
    sheet: QuestionSheet
    preparations: dict[str, Preparation]
    minutes: Minutes
    agreement: Agreement | None
    earlier: list[Agreement]
    plan: TeamPlan | None
    saved_minutes: Minutes | None = None
    saved_agreement: Agreement | None = None
    saved_plan: TeamPlan | None = None
    follow_up_months: int = 6

    @property
    def cid(self) -> str:
        return self.conversation.id

    @property
    def parties(self) -> tuple[str, ...]:
        """Who signs: the participants and whoever leads."""
        leading = self.conversation.delegate_leader_id or self.conversation.leader_id
        return (*self.conversation.participant_ids, leading)

    @property
    def dirty(self) -> bool:
        return (
            self.minutes is not self.saved_minutes
            or self.agreement is not self.saved_agreement
            or self.plan is not self.saved_plan
        )


@dataclasses.dataclass(frozen=True)
class Planned:
    conversation_id: str
    without_profile: tuple[str, ...]


class Meetings:
    """The session's actions for planning, holding and signing."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.open: dict[str, Meeting] = {}

    def forget(self) -> None:
        """Drops every open conversation (the vault was locked or another opened)."""
        self.open.clear()

    def persist_all(self) -> None:
        """Blocking. Writes every open conversation that changed."""
        for conversation_id in list(self.open):
            self.persist(conversation_id)

    # --- planning ------------------------------------------------------------------------

    def candidates(self) -> list[Member]:
        """People a leader can invite: those they lead first, then everyone else."""
        me = self.session.current_person()
        members = [m for m in self.session.directory.members.values() if m.id != me.id]
        return sorted(members, key=lambda m: (m.leader_id != me.id, m.name.casefold()))

    def leads_anyone(self) -> bool:
        me = self.session.current_person()
        return Role.LEADER in me.roles or any(
            m.leader_id == me.id for m in self.session.directory.members.values()
        )

    def plan(
        self,
        kind: Kind,
        participant_ids: Iterable[str],
        planned_on: dt.date | None,
        *,
        at: dt.time = DEFAULT_HOUR,
        delegate_id: str | None = None,
        companion_id: str | None = None,
        sheet_id: str | None = None,
    ) -> Planned:
        """Blocking. A new conversation led by me; it goes to everyone taking part.
        ``sheet_id`` is the question sheet the leader chose (the organisation's own
        among them); it is planned with that sheet's newest version and keeps it.

        People without a profile in Samtale yet are planned all the same: they get the
        invitation and question sheet on paper or by e-mail, and the conversation
        reaches them once they have a profile."""
        session = self.session
        me = session.current_person()
        people = list(dict.fromkeys(p for p in participant_ids if p))
        if planned_on is None:
            raise InputRejected("error.date_required")
        if planned_on < session.today():
            raise InputRejected("error.date_past", date=planned_on.isoformat())
        if not people:
            raise InputRejected("error.participants_required")
        if not kind.is_team and kind is not Kind.FOLLOW_UP and len(people) > 1:
            raise InputRejected("error.one_participant", kind=kind.value)
        unknown = [p for p in people if session.directory.member(p) is None]
        if unknown or me.id in people:
            raise InputRejected("error.participant_unknown")
        if companion_id and companion_id in people:
            raise InputRejected("error.companion_is_participant")
        if delegate_id and (delegate_id in people or delegate_id == me.id):
            raise InputRejected("error.delegate_is_participant")
        sheets = session.library.for_kind(kind)
        if not sheets:
            raise InputRejected("error.no_sheet", kind=kind.value)
        sheet = sheets[0] if sheet_id is None else session.library.sheets.get(sheet_id)
        if sheet is None or sheet.kind is not kind:
            raise InputRejected("error.sheet_not_for_kind", kind=kind.value)
        conversation = Conversation(
            kind=kind,
            sheet_id=sheet.id,
            sheet_version=sheet.version,
            leader_id=me.id,
            participant_ids=tuple(people),
            planned_at=dt.datetime.combine(planned_on, at),
            state=State.INVITED,
            delegate_leader_id=delegate_id or None,
            companion_id=companion_id or None,
            author=me.id,
        )
        session.store_conversation(conversation, [])
        session.publish(conversation.id, CONVERSATION_TABLE, conversation.to_dict())
        missing = tuple(
            member.name
            for member in (session.directory.member(p) for p in people)
            if member is not None and not member.enc_key
        )
        return Planned(conversation.id, missing)

    def sheets_for(self, kind: Kind) -> list[QuestionSheet]:
        """The sheets a leader can choose for a conversation of ``kind``: the shipped
        ones and the organisation's own, each in its newest version."""
        return self.session.library.for_kind(kind)

    def conversation(self, conversation_id: str) -> Conversation:
        """Blocking. The conversation as this device holds it now."""
        shard = self.session.unlocked_vault().read_shard(conversation_id)
        record = shard.get(CONVERSATION_TABLE, {}).get(conversation_id)
        if record is None:
            raise InputRejected("error.conversation_missing")
        return Conversation.from_dict(record)

    def names(self, conversation: Conversation) -> dict[str, str]:
        people = [conversation.leader_id, conversation.delegate_leader_id,
                  conversation.companion_id, *conversation.participant_ids]
        return {p: self.session.person_name(p) for p in people if p}

    def invitation_text(self, conversation: Conversation) -> str:
        return invitation_text(conversation, self.names(conversation), self.session.texts.lang)

    def invitation_files(self, conversation: Conversation, text: str) -> dict[str, bytes]:
        """Blocking (PDF). The invitation to send: its text as the person edited it, the
        question sheet as a PDF and a calendar file."""
        lang = self.session.texts.lang
        sheet = self._sheet(conversation)
        cleaned = storable_text(text).strip()
        if not cleaned:
            raise InputRejected("error.invitation_empty")
        if len(cleaned) > MAX_ANSWER_CHARS:
            raise InputRejected("error.answer_too_long", limit=MAX_ANSWER_CHARS,
                                length=len(cleaned))
        stem = file_stem(conversation)
        return {
            f"{stem}-invitation.txt": cleaned.encode("utf-8"),
            f"{stem}-spoergeskema.pdf": question_sheet_document(
                sheet, lang, profiles=self.session.library.job_profiles),
            f"{stem}.ics": invitation_ics(conversation, self.names(conversation),
                                          self.session.texts.localize(sheet.title), lang=lang,
                                          now=self.session.clock.now()),
        }

    def _sheet(self, conversation: Conversation) -> QuestionSheet:
        sheet = self.session.library.sheet_for(conversation.sheet_id, conversation.sheet_version)
        if sheet is None:
            raise InputRejected("error.no_sheet", kind=conversation.kind.value)
        return sheet

    # --- holding -------------------------------------------------------------------------

    def leading(self, conversation: Conversation) -> bool:
        me = self.session.current_person()
        return me.id in (conversation.leader_id, conversation.delegate_leader_id)

    def load(self, conversation_id: str) -> Meeting:
        """Blocking. Opens (or re-reads) the conversation with everything this person may
        read about it: participants' shared preparations, their own, minutes, the
        agreement and earlier versions of it, the team plan."""
        me = self.session.current_person()
        shard = self.session.unlocked_vault().read_shard(conversation_id)
        record = shard.get(CONVERSATION_TABLE, {}).get(conversation_id)
        if record is None:
            raise InputRejected("error.conversation_missing")
        conversation = Conversation.from_dict(record)
        sheet = self._sheet(conversation)
        readable = [prep for prep in (Preparation.from_dict(raw) for raw in
                                      shard.get(PREPARATION_TABLE, {}).values())
                    if prep.author == me.id or prep.shared_with_leader]
        preparations: dict[str, Preparation] = {}
        for author in sorted({prep.author for prep in readable}):
            # a second one kept from before ids were derived is read into it, not hidden
            one = read_as_one(readable, conversation_id, author)
            if one is not None:
                preparations[author] = one
        minutes_records = [Minutes.from_dict(m) for m in shard.get(MINUTES_TABLE, {}).values()]
        minutes = one_of(minutes_records, minutes_id(conversation_id), _fill_minutes)
        agreements = [Agreement.from_dict(a) for a in shard.get(AGREEMENT_TABLE, {}).values()]
        current, earlier = current_agreement(agreements)
        plans = [TeamPlan.from_dict(p) for p in shard.get(TEAM_PLAN_TABLE, {}).values()]
        plan = one_of(plans, team_plan_id(conversation_id), _fill_plan)
        if plan is None and conversation.kind.is_team:
            plan = TeamPlan(id=team_plan_id(conversation_id), conversation_id=conversation_id,
                            author=me.id)
        meeting = Meeting(
            conversation=conversation,
            sheet=sheet,
            preparations=preparations,
            minutes=minutes or Minutes(id=minutes_id(conversation_id),
                                       conversation_id=conversation_id, author=me.id),
            agreement=current,
            earlier=earlier,
            plan=plan,
        )
        meeting.saved_minutes = meeting.minutes if minutes else None
        meeting.saved_agreement = current
        meeting.saved_plan = plan if plans else None
        self.open[conversation_id] = meeting
        return meeting

    def _meeting(self, conversation_id: str) -> Meeting:
        meeting = self.open.get(conversation_id)
        if meeting is None:
            raise InputRejected("error.vault_locked")
        return meeting

    def _leader_only(self, meeting: Meeting) -> None:
        if not self.leading(meeting.conversation):
            raise InputRejected("error.leader_only")

    def set_note(self, conversation_id: str, key: str, text: str) -> None:
        """Quick: the minutes for a theme (or question) in memory."""
        meeting = self._meeting(conversation_id)
        self._leader_only(meeting)
        text = storable_text(text)
        if len(text) > MAX_ANSWER_CHARS:
            raise InputRejected("error.answer_too_long", limit=MAX_ANSWER_CHARS,
                                length=len(text))
        notes = dict(meeting.minutes.notes)
        if text.strip():
            notes[key] = text
        else:
            notes.pop(key, None)
        me = self.session.current_person().id
        meeting.minutes = meeting.minutes.revised(author=me, notes=notes)
        self.session.touch()

    def set_goals(self, conversation_id: str, goals: Iterable[Goal]) -> Agreement:
        """Quick: the agreement's goals as the builder has them. Empty goals and past
        deadlines are refused with a message; nothing changes then. Once anyone has
        signed, a change is a new agreement that both sign again."""
        meeting = self._meeting(conversation_id)
        self._leader_only(meeting)
        me, today = self.session.current_person(), self.session.today()
        goals = list(goals)
        current = meeting.agreement
        if current is None:
            checked = check_goals(goals, today)
            agreement = Agreement(id=agreement_id(conversation_id),
                                  conversation_id=conversation_id, goals=checked, author=me.id)
        elif current.signatures:
            agreement = amended(current, goals, me.id, today)
            meeting.earlier.append(current)
        else:
            agreement = with_goals(current, goals, me.id, today)
        meeting.agreement = agreement
        self.session.touch()
        return agreement

    def persist(self, conversation_id: str) -> None:
        """Blocking. Keeps minutes, agreement draft and team plan in the vault (the
        leader's device only, until the conversation is closed or signed)."""
        meeting = self.open.get(conversation_id)
        vault = self.session.vault
        if meeting is None or vault is None:
            return
        with self.session.save_lock:
            self._write(vault, meeting)

    def _write(self, vault: Vault, meeting: Meeting) -> None:
        minutes = meeting.minutes
        if minutes is not meeting.saved_minutes and (
                minutes.notes or minutes.done_cards or minutes.placed_cards):
            vault.put_record(meeting.cid, MINUTES_TABLE, meeting.minutes.to_dict())
            meeting.saved_minutes = meeting.minutes
        if meeting.agreement is not None and meeting.agreement is not meeting.saved_agreement:
            records = [a.to_dict() for a in meeting.earlier] + [meeting.agreement.to_dict()]
            vault.put_records(meeting.cid, AGREEMENT_TABLE, records)
            meeting.saved_agreement = meeting.agreement
        if meeting.plan is not None and meeting.plan is not meeting.saved_plan:
            vault.put_record(meeting.cid, TEAM_PLAN_TABLE, meeting.plan.to_dict())
            meeting.saved_plan = meeting.plan

    def set_plan(self, conversation_id: str, plan: TeamPlan) -> None:
        meeting = self._meeting(conversation_id)
        self._leader_only(meeting)
        if plan.conversation_id != conversation_id:
            raise InputRejected("error.conversation_missing")
        meeting.plan = plan
        self.session.touch()

    def set_minutes(self, conversation_id: str, minutes: Minutes) -> None:
        meeting = self._meeting(conversation_id)
        self._leader_only(meeting)
        meeting.minutes = minutes
        self.session.touch()

    def finish(self, conversation_id: str) -> Conversation:
        """Blocking. The conversation has been held: minutes, agreement draft and team
        plan are kept and sent to everyone who takes part."""
        meeting = self._meeting(conversation_id)
        self._leader_only(meeting)
        session, me = self.session, self.session.current_person()
        conversation = meeting.conversation
        if conversation.state in (State.PLANNED, State.INVITED, State.PREPARING):
            if conversation.state is State.PLANNED:
                conversation = conversation.moved_to(State.PREPARING, me.id)
            conversation = conversation.moved_to(State.HELD, me.id)
        self.persist(conversation_id)
        self._store(meeting, conversation)
        if meeting.saved_minutes is not None:
            session.publish(conversation_id, MINUTES_TABLE, meeting.saved_minutes.to_dict())
        if meeting.plan is not None and meeting.saved_plan is not None:
            session.publish(conversation_id, TEAM_PLAN_TABLE, meeting.saved_plan.to_dict())
        if meeting.saved_agreement is not None:
            session.publish(conversation_id, AGREEMENT_TABLE, meeting.saved_agreement.to_dict())
        mine = meeting.preparations.get(me.id)
        if mine is not None:
            session.share_ratings(conversation, mine)
        return conversation

    def _store(self, meeting: Meeting, conversation: Conversation) -> None:
        session = self.session
        if conversation is not meeting.conversation:
            meeting.conversation = conversation
            session.unlocked_vault().put_record(conversation.id, CONVERSATION_TABLE,
                                        conversation.to_dict())
            session.publish(conversation.id, CONVERSATION_TABLE, conversation.to_dict())
        mine = meeting.preparations.get(session.current_person().id)
        session.unlocked_vault().put_index(
            {conversation.id: session.summary_entry(conversation, mine)})

    # --- signing -------------------------------------------------------------------------

    def status(self, meeting: Meeting) -> tuple[AgreementStatus, frozenset[str], dict[str, bool]]:
        """The agreement's status counting only genuine signatures, who it waits for,
        and per signer whether their signature verifies (False: changed after signing)."""
        agreement = meeting.agreement
        if agreement is None:
            return AgreementStatus.DRAFT, frozenset(meeting.parties), {}
        status, waiting = verified_status(agreement, meeting.parties, self.session.directory)
        return status, waiting, verify_signatures(agreement, self.session.directory)

    def sign(self, conversation_id: str) -> Agreement:
        """Blocking. I sign the agreement's exact content with my own key."""
        session = self.session
        identity = identity_of(session.unlocked_vault())
        return self._signed(conversation_id, session.current_person().id, identity)

    def sign_here(self, conversation_id: str, profile_id: str, pin: str) -> Agreement:
        """Blocking (KDF). The other party signs on this shared device: their own profile
        is unlocked with their own PIN for this one signature and locked again."""
        meeting = self._meeting(conversation_id)
        session = self.session
        other = session.device.unlock(profile_id, pin)
        try:
            profile = other.get_meta(PROFILE_KEY) or {}
            signer = str(profile.get("id", ""))
            if signer == session.current_person().id or signer not in meeting.parties:
                raise InputRejected("error.not_a_party")
            identity = identity_of(other)
            # Their own vault gets the signed agreement with the next sync, in order
            # with every earlier version of it.
            return self._signed(conversation_id, signer, identity)
        finally:
            other.lock()

    def _signed(self, conversation_id: str, signer: str, identity: Any) -> Agreement:
        meeting = self._meeting(conversation_id)
        if meeting.agreement is None:
            raise InputRejected("error.goals_required")
        if signer not in meeting.parties:
            raise InputRejected("error.not_a_party")
        _, _, checks = self.status(meeting)
        if not all(checks.values()):
            raise InputRejected("error.signature_broken")
        session = self.session
        now = session.clock.now()
        signed = sign_agreement(meeting.agreement, signer, identity, now)
        meeting.agreement = signed
        self.persist(conversation_id)
        session.publish(conversation_id, AGREEMENT_TABLE, signed.to_dict())
        if self.status(meeting)[0] is AgreementStatus.SIGNED:
            self.agree(conversation_id, meeting.follow_up_months)
        return signed

    def agree(self, conversation_id: str, months: int = 6, due: dt.date | None = None) -> None:
        """Blocking. Once every party has signed: the conversation is agreed and its
        follow-up is due ``months`` later (or on ``due``)."""
        meeting = self._meeting(conversation_id)
        status, _, _ = self.status(meeting)
        if status is not AgreementStatus.SIGNED:
            raise InputRejected("error.not_signed_by_all")
        if not MIN_FOLLOW_UP_MONTHS <= months <= MAX_FOLLOW_UP_MONTHS:
            raise InputRejected("error.follow_up_months", min=MIN_FOLLOW_UP_MONTHS,
                                max=MAX_FOLLOW_UP_MONTHS)
        today, me = self.session.today(), self.session.current_person()
        if due is not None and due < today:
            raise InputRejected("error.date_past", date=due.isoformat())
        conversation = meeting.conversation
        follow_up = due or follow_up_date(today, months)
        if conversation.state is State.HELD:
            conversation = conversation.moved_to(State.AGREED, me.id)
        conversation = conversation.revised(author=me.id, follow_up_due=follow_up)
        self._store(meeting, conversation)

    def set_goal_status(self, conversation_id: str, goal_id: str, status: GoalStatus) -> None:
        """At follow-up: a goal's progress; a new agreement version both sign again."""
        meeting = self._meeting(conversation_id)
        if meeting.agreement is None:
            raise InputRejected("error.goal_unknown")
        goals = [dataclasses.replace(g, status=status) if g.id == goal_id else g
                 for g in meeting.agreement.goals]
        self.set_goals(conversation_id, goals)

    def followed_up(self, conversation_id: str) -> None:
        """Blocking. The follow-up conversation has been held: the goals' progress is
        kept (a new agreement version, which both sign again)."""
        meeting = self._meeting(conversation_id)
        self._leader_only(meeting)
        me = self.session.current_person().id
        self.persist(conversation_id)
        conversation = meeting.conversation
        if conversation.state is State.AGREED:
            conversation = conversation.moved_to(State.FOLLOWED_UP, me)
        self._store(meeting, conversation)
        if meeting.saved_agreement is not None:
            self.session.publish(conversation_id, AGREEMENT_TABLE,
                                 meeting.saved_agreement.to_dict())

    # --- team conversations ----------------------------------------------------------------

    def deck(self, meeting: Meeting) -> tuple[Card, ...]:
        me = self.session.current_person().id
        others = [p for a, p in meeting.preparations.items() if a != me]
        return dialog_deck(meeting.sheet, others, self.session.texts.lang)

    def draw(self, conversation_id: str, field_id: str | None = None) -> Card | None:
        """A dialog card nobody has talked through yet, at random."""

        meeting = self._meeting(conversation_id)
        return draw_card(self.deck(meeting), set(meeting.minutes.done_cards),
                         random.SystemRandom(), field_id=field_id)

    def card_done(self, conversation_id: str, card_id: str) -> None:
        meeting = self._meeting(conversation_id)
        self._leader_only(meeting)
        done = meeting.minutes.done_cards
        if card_id not in done:
            meeting.minutes = meeting.minutes.revised(author=self.session.current_person().id,
                                                      done_cards=(*done, card_id))
        self.session.touch()

    def place_card(self, conversation_id: str, card_id: str, field_id: str) -> None:
        """Quick: lays a dialog card on a field of the conversation wheel ("" takes it
        off); kept with the minutes."""
        meeting = self._meeting(conversation_id)
        self._leader_only(meeting)
        placed = with_card_placed(meeting.minutes.placed_cards, self.deck(meeting),
                                  meeting.sheet, card_id, field_id)
        if placed != dict(meeting.minutes.placed_cards):
            meeting.minutes = meeting.minutes.revised(
                author=self.session.current_person().id, placed_cards=placed)
        self.session.touch()

    def add_action(self, conversation_id: str, what: str, *, long_term: bool,
                   responsible_id: str, deadline: dt.date | None) -> None:
        meeting = self._meeting(conversation_id)
        self._leader_only(meeting)
        plan = meeting.plan or TeamPlan(id=team_plan_id(conversation_id),
                                        conversation_id=conversation_id,
                                        author=self.session.current_person().id)
        meeting.plan = with_action(plan, what, long_term=long_term,
                                   responsible_id=responsible_id, deadline=deadline,
                                   today=self.session.today(),
                                   author=self.session.current_person().id)
        self.session.touch()

    def remove_action(self, conversation_id: str, action_id: str) -> None:
        meeting = self._meeting(conversation_id)
        self._leader_only(meeting)
        if meeting.plan is not None:
            meeting.plan = without_action(meeting.plan, action_id, self.session.current_person().id)

    def add_member_goal(self, conversation_id: str, member_id: str, what: str,
                        deadline: dt.date | None) -> None:
        """GRUS: a member's own goal building on the group's, for the leader to approve."""
        meeting = self._meeting(conversation_id)
        self._leader_only(meeting)
        me = self.session.current_person().id
        plan = meeting.plan or TeamPlan(id=team_plan_id(conversation_id),
                                        conversation_id=conversation_id, author=me)
        goal = new_goal(meeting.sheet.themes[0].id if meeting.sheet.themes else "", what,
                        responsible_id=member_id, deadline=deadline)
        meeting.plan = with_member_goal(plan, member_id, goal, self.session.today(), me)

    def approve_goal(self, conversation_id: str, member_id: str, goal_id: str) -> None:
        meeting = self._meeting(conversation_id)
        self._leader_only(meeting)
        me = self.session.current_person().id
        if meeting.plan is None:
            raise InputRejected("error.goal_unknown")
        meeting.plan = approve_member_goal(meeting.plan, member_id, goal_id, me, me)

    def finish_team(self, conversation_id: str) -> tuple[str, ...]:
        """Blocking. Closes a team conversation; after a GRUS every member gets an
        individual follow-up conversation, planned about six months on."""
        meeting = self._meeting(conversation_id)
        conversation = self.finish(conversation_id)
        planned: list[str] = []
        if conversation.kind is Kind.GRUS and meeting.plan is not None:
            me = self.session.current_person().id
            sheet = self.session.library.sheets.get(FOLLOW_UP_SHEET_ID)
            for follow_up in individual_follow_ups(
                    conversation, meeting.plan, self.session.today(), author=me,
                    sheet_version=sheet.version if sheet else FOLLOW_UP_SHEET_VERSION):
                self.session.store_conversation(follow_up, [])
                self.session.publish(follow_up.id, CONVERSATION_TABLE, follow_up.to_dict())
                planned.append(follow_up.id)
        return tuple(planned)

    # --- documents -----------------------------------------------------------------------

    def agreement_pdf(self, meeting: Meeting) -> bytes:
        agreement = meeting.agreement or Agreement(conversation_id=meeting.cid,
                                                   author=self.session.current_person().id)
        _, _, checks = self.status(meeting)
        prints = {s.signer_id: fingerprint_of(s) for s in agreement.signatures}
        return agreement_document(meeting.conversation, agreement, self.names(
            meeting.conversation), checks, prints, self.session.texts.lang, sheet=meeting.sheet)

    def conversation_pdf(self, meeting: Meeting) -> bytes:
        me = self.session.current_person().id
        shown = {p: prep for p, prep in meeting.preparations.items()
                 if p == me or prep.shared_with_leader}
        minutes = meeting.saved_minutes or (meeting.minutes if meeting.minutes.notes else None)
        return conversation_document(meeting.conversation, meeting.sheet, shown, minutes,
                                     self.names(meeting.conversation), self.session.texts.lang,
                                     profiles=self.session.library.job_profiles)

    def team_plan_pdf(self, meeting: Meeting) -> bytes:
        plan = meeting.plan or TeamPlan(conversation_id=meeting.cid,
                                        author=self.session.current_person().id)
        return team_plan_document(meeting.conversation, plan, self.names(meeting.conversation),
                                  self.session.texts.lang)

    def follow_up_ics(self, meeting: Meeting) -> bytes:
        due = meeting.conversation.follow_up_due
        if due is None:
            raise InputRejected("error.no_follow_up_due")
        return follow_up_ics(meeting.conversation, due, self.names(meeting.conversation),
                             lang=self.session.texts.lang, now=self.session.clock.now())

    def close(self, conversation_id: str) -> None:
        """Blocking. Saves and forgets the open conversation."""
        self.persist(conversation_id)
        self.open.pop(conversation_id, None)


def current_agreement(agreements: Iterable[Agreement]) -> tuple[Agreement | None, list[Agreement]]:
    """The agreement no other supersedes (the newest of a chain), and the earlier ones."""
    every = list(agreements)
    superseded = {a.supersedes for a in every if a.supersedes}
    current = [a for a in every if a.id not in superseded]
    if not current:
        return None, every
    newest = max(current, key=lambda a: (len(a.signatures), a.version))
    return newest, [a for a in every if a is not newest]


R = TypeVar("R", Minutes, TeamPlan)


def one_of(records: list[R], wanted: str, fill: Callable[[R, R], R]) -> R | None:
    """The one record of its kind in a conversation: the one with the derived id (else
    the first by id), with what others kept from before ids were derived (two devices
    each started one) read into it, so none is hidden."""
    if not records:
        return None
    ordered = sorted(records, key=lambda r: (r.id != wanted, r.id))
    main = ordered[0]
    for other in ordered[1:]:
        main = fill(main, other)
    return main


def _fill_minutes(main: Minutes, other: Minutes) -> Minutes:
    notes = {**other.notes, **main.notes}
    cards = (*main.done_cards, *(c for c in other.done_cards if c not in main.done_cards))
    if notes == dict(main.notes) and cards == main.done_cards:
        return main
    return main.revised(notes=notes, done_cards=cards)


def _fill_plan(main: TeamPlan, other: TeamPlan) -> TeamPlan:
    known = {action.id for action in main.actions}
    actions = (*main.actions, *(a for a in other.actions if a.id not in known))
    goals = dict(main.member_goals)
    for member, theirs in other.member_goals.items():
        ours = goals.get(member, ())
        have = {goal.id for goal in ours}
        goals[member] = (*ours, *(g for g in theirs if g.id not in have))
    if actions == main.actions and goals == dict(main.member_goals):
        return main
    return main.revised(actions=actions, member_goals=goals)


def new_goal(theme_id: str, what: str, **fields: Any) -> Goal:
    return Goal(id=new_id(), theme_id=theme_id, what=what, **fields)


def file_stem(conversation: Conversation) -> str:
    day = conversation.planned_at.date().isoformat() if conversation.planned_at else "udateret"
    return f"{conversation.kind.value.lower()}-{day}"


def parties_named(meeting: Meeting, names: Mapping[str, str]) -> list[tuple[str, str]]:
    return [(p, names.get(p, "")) for p in meeting.parties]
