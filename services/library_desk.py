"""HR's editor for the organisation's own question sheets and job profiles, in plain
Python: what the sheet and profile screens call.

- A draft (a sheet's or profile's JSON document, see ``conversations.sheet_editor``)
  starts from a sheet the device knows (*tilpas*: the same id, as its next version), from
  blank, or from an imported file. It is kept in the vault after every change, so a
  lock or a closed app loses nothing, and checked after every change with the loader's
  own checks; :meth:`LibraryDesk.problems` says what is wrong, field first, in the
  person's language.
- Publishing (HR only) makes a :class:`conversations.publishing.LibraryRelease`, keeps
  it and sends it with the next sync to every member; the device's library has it at
  once. A conversation keeps the version it was planned with.
- HR decides whether leaders may edit sheets too (the directory's policy); a leader
  then drafts, looks and exports, and HR publishes.
- Export gives a file's name and bytes; import reads them with the same checks and a
  refused file changes nothing.
- People are assigned to a job profile in the signed directory, by whoever keeps the
  organisation's key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from conversations.competence import JobProfile, Level
from conversations.directory import Member
from conversations.model import InputRejected, Kind, Role
from conversations.publishing import ItemKind, LibraryRelease, profile_release, sheet_release
from conversations.sheet_editor import (
    Document,
    PathKey,
    blank_profile,
    blank_sheet,
    check_profile,
    check_sheet,
    export_profile,
    export_sheet,
    import_sheet,
    insert,
    new_item,
    remove,
    set_question_type,
    set_text,
    set_value,
    sheet_id_for,
    tailored,
)
from conversations.sheets import (
    QuestionSheet,
    QuestionType,
    SheetInvalid,
    SheetProblem,
    profile_document,
)
from resources.texts import Texts
from services.session import Session
from storage.schema import LIBRARY_SHARD, PROFILE_DRAFT_KEY, RELEASE_TABLE, SHEET_DRAFT_KEY

MAX_SHOWN_PROBLEMS = 12


def describe_problem(problem: SheetProblem, texts: Texts) -> str:
    """``themes[2].questions[0].type: ukendt spørgsmålstype …`` in the person's language."""
    params: dict[str, Any] = dict(problem.params)
    if "what" in params:
        params["what"] = texts(f"sheetproblem.what.{params['what']}")
    said = texts(f"sheetproblem.{problem.key}", **params) if problem.key else problem.message
    return f"{problem.field}: {said}"


@dataclasses.dataclass(frozen=True)
class Imported:
    """What an import did: the draft's title, or every problem (and nothing changed)."""

    title: str = ""
    problems: tuple[str, ...] = ()


class LibraryDesk:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- who may do what ---------------------------------------------------------------

    def may_publish(self) -> bool:
        return Role.HR in self.session.current_person().roles

    def may_edit(self) -> bool:
        """HR, and leaders when HR allows it (the directory's policy)."""
        roles = self.session.current_person().roles
        return Role.HR in roles or (
            Role.LEADER in roles and self.session.directory.policy.leaders_edit_sheets)

    def allow_leaders(self, allowed: bool) -> None:
        """Blocking. HR lets leaders edit sheets (or not): a new directory version,
        signed by the organisation."""
        directory = self.session.directory
        self.session.sign_directory(dataclasses.replace(
            directory, version=directory.version + 1,
            policy=dataclasses.replace(directory.policy, leaders_edit_sheets=allowed)))

    def _require(self, allowed: bool) -> None:
        if not allowed:
            raise InputRejected("error.hr_only")

    # --- the sheets --------------------------------------------------------------------

    def sheets(self) -> list[QuestionSheet]:
        """Every sheet new conversations can get, the organisation's own included."""
        order = list(Kind)
        return sorted(self.session.library.sheets.values(),
                      key=lambda s: (order.index(s.kind), s.id))

    def released(self, sheet_id: str) -> bool:
        """Whether the organisation has published a version of this sheet."""
        return any(r.item is ItemKind.SHEET and r.item_id == sheet_id
                   for r in self.session.releases())

    def draft(self) -> Document | None:
        kept = self.session.unlocked_vault().get_meta(SHEET_DRAFT_KEY) or {}
        draft = kept.get("draft")
        return draft if isinstance(draft, dict) else None

    def start_from(self, sheet_id: str) -> Document:
        """Blocking. A draft copy of a sheet (*tilpas*): its next version."""
        self._require(self.may_edit())
        library = self.session.library
        sheet = library.sheets.get(sheet_id)
        if sheet is None:
            raise InputRejected("error.sheet_missing")
        return self._keep(tailored(sheet, library.next_version(sheet_id)))

    def start_blank(self, kind: Kind, title: str) -> Document:
        """Blocking. A new sheet of ``kind``; its id comes from the title."""
        self._require(self.may_edit())
        if not title.strip():
            raise InputRejected("error.sheet_title_required")
        taken = [*self.session.library.versions, *self.session.library.sheets]
        return self._keep(blank_sheet(kind, sheet_id_for(title, taken), title))

    def discard(self) -> None:
        self.session.unlocked_vault().put_meta(SHEET_DRAFT_KEY, {})

    def _keep(self, doc: Document) -> Document:
        self.session.unlocked_vault().put_meta(SHEET_DRAFT_KEY, {"draft": doc})
        return doc

    def _current(self) -> Document:
        self._require(self.may_edit())
        doc = self.draft()
        if doc is None:
            raise InputRejected("error.no_draft")
        return doc

    # --- editing: each keeps the draft and returns it ----------------------------------

    def set_text(self, path: Sequence[PathKey], words: str, lang: str | None = None) -> Document:
        return self._keep(set_text(self._current(), path, lang or self.session.texts.lang,
                                   words))

    def set_number(self, path: Sequence[PathKey], text: str) -> Document:
        """A number the person typed (scale ends, minutes); what is not one is kept as
        typed so the check names the field."""
        stripped = text.strip()
        value: object = int(stripped) if stripped.lstrip("-").isdigit() else stripped or None
        return self._keep(set_value(self._current(), path, value))

    def add(self, path: Sequence[PathKey], question_type: QuestionType = QuestionType.TEXT
            ) -> Document:
        """A new theme, question, wheel field, card or rule at the end of ``path``."""
        doc = self._current()
        item = new_item(doc, path, question_type, job_profile=self._default_profile())
        return self._keep(insert(doc, path, item))

    def remove(self, path: Sequence[PathKey]) -> Document:
        return self._keep(remove(self._current(), path))

    def set_type(self, path: Sequence[PathKey], question_type: QuestionType) -> Document:
        return self._keep(set_question_type(self._current(), path, question_type,
                                            job_profile=self._default_profile()))

    def add_prompt(self, field: int) -> Document:
        """Another prompt (a question on the wheel) in wheel field ``field``."""
        return self._keep(insert(self._current(), ("wheel", field, "prompts"), {"da": ""}))

    def set_card_field(self, card: int, field_id: str) -> Document:
        """Which wheel field a dialog card belongs to."""
        return self._keep(set_value(self._current(), ("dialog_cards", card, "field"), field_id))

    def set_profile_of(self, path: Sequence[PathKey], profile_id: str) -> Document:
        """Which job profile a competence question asks about."""
        return self._keep(set_value(self._current(), (*path, "job_profile"), profile_id))

    def _default_profile(self) -> str | None:
        profile = self.session.current_person().job_profile
        profiles = self.session.library.job_profiles
        return profile if profile in profiles else next(iter(sorted(profiles)), None)

    # --- checking, looking, publishing ---------------------------------------------------

    def check(self) -> tuple[QuestionSheet | None, tuple[SheetProblem, ...]]:
        return check_sheet(self._current(), self.session.library.job_profiles)

    def problems(self) -> list[str]:
        """What stops the draft from being published, each with its field, in the
        person's language (the first ``MAX_SHOWN_PROBLEMS``)."""
        _, problems = self.check()
        return [describe_problem(p, self.session.texts) for p in problems[:MAX_SHOWN_PROBLEMS]]

    def preview(self) -> QuestionSheet:
        """The sheet as the employee will see it; InputRejected while it has problems."""
        sheet, problems = self.check()
        if sheet is None:
            raise InputRejected("error.sheet_has_problems", count=len(problems))
        return sheet

    def publish(self) -> LibraryRelease:
        """Blocking. HR publishes the draft: kept here, in this device's library at once,
        and sent to every member with the next sync. The draft is done."""
        self._require(self.may_publish())
        sheet = self.preview()
        if self.session.library.versions.get(sheet.id, {}).get(sheet.version) is not None:
            raise InputRejected("error.version_taken", version=sheet.version)
        release = sheet_release(sheet, self.session.current_person().id)
        self._store(release)
        self.discard()
        return release

    def _store(self, release: LibraryRelease) -> None:
        vault = self.session.unlocked_vault()
        vault.put_record(LIBRARY_SHARD, RELEASE_TABLE, release.to_dict())
        self.session.publish(LIBRARY_SHARD, RELEASE_TABLE, release.to_dict())
        self.session.refresh_library()

    # --- a sheet as a file -----------------------------------------------------------------

    def export(self, sheet_id: str, version: int | None = None) -> tuple[str, bytes]:
        """A sheet's file: its name and bytes."""
        library = self.session.library
        sheet = (library.sheets.get(sheet_id) if version is None
                 else library.sheet_for(sheet_id, version))
        if sheet is None:
            raise InputRejected("error.sheet_missing")
        return f"{sheet.id}-v{sheet.version}.json", export_sheet(sheet)

    def export_draft(self) -> bytes:
        """The draft as a file; InputRejected while it has problems (a file that could
        not be imported again is never handed out)."""
        return export_sheet(self.preview())

    def import_file(self, raw: bytes, name: str) -> Imported:
        """Blocking. A sheet file becomes the draft, checked as loading checks it; a sheet
        whose id is known here becomes that sheet's next version. A refused file leaves
        the draft and everything else as they were."""
        self._require(self.may_edit())
        library = self.session.library
        try:
            sheet = import_sheet(raw, name, library.job_profiles)
        except SheetInvalid as invalid:
            shown = invalid.problems[:MAX_SHOWN_PROBLEMS]
            return Imported(problems=tuple(describe_problem(p, self.session.texts)
                                           for p in shown))
        known = sheet.id in library.sheets or sheet.id in library.versions
        doc = tailored(sheet, library.next_version(sheet.id) if known else sheet.version)
        self._keep(doc)
        return Imported(title=self.session.texts.localize(sheet.title))

    # --- job profiles ------------------------------------------------------------------------

    def profiles(self) -> list[JobProfile]:
        return sorted(self.session.library.job_profiles.values(), key=lambda p: p.id)

    def profile_draft(self) -> Document | None:
        kept = self.session.unlocked_vault().get_meta(PROFILE_DRAFT_KEY) or {}
        draft = kept.get("draft")
        return draft if isinstance(draft, dict) else None

    def start_profile(self, profile_id: str | None, title: str = "") -> Document:
        """Blocking. A draft of a job profile, or a new one named ``title``."""
        self._require(self.may_publish())
        profiles = self.session.library.job_profiles
        if profile_id is None:
            if not title.strip():
                raise InputRejected("error.sheet_title_required")
            doc = blank_profile(sheet_id_for(title, list(profiles)), title)
        elif profile_id in profiles:
            doc = profile_document(profiles[profile_id])
        else:
            raise InputRejected("error.sheet_missing")
        return self._keep_profile(doc)

    def _keep_profile(self, doc: Document) -> Document:
        self.session.unlocked_vault().put_meta(PROFILE_DRAFT_KEY, {"draft": doc})
        return doc

    def _profile(self) -> Document:
        self._require(self.may_publish())
        doc = self.profile_draft()
        if doc is None:
            raise InputRejected("error.no_draft")
        return doc

    def set_profile_text(self, path: Sequence[PathKey], words: str) -> Document:
        return self._keep_profile(set_text(self._profile(), path, self.session.texts.lang,
                                           words))

    def set_expected(self, competence: int, level: Level) -> Document:
        if not Level.NOVICE <= level <= Level.EXPERT:
            raise InputRejected("error.expected_level")
        return self._keep_profile(set_value(self._profile(),
                                            ("competences", competence, "expected"), int(level)))

    def add_competence(self) -> Document:
        doc = self._profile()
        return self._keep_profile(insert(doc, ("competences",),
                                         new_item(doc, ("competences",))))

    def remove_competence(self, competence: int) -> Document:
        return self._keep_profile(remove(self._profile(), ("competences", competence)))

    def add_goal(self, competence: int) -> Document:
        return self._keep_profile(insert(self._profile(), ("competences", competence, "goals"),
                                         {"da": ""}))

    def remove_goal(self, competence: int, goal: int) -> Document:
        doc = remove(self._profile(), ("competences", competence, "goals", goal))
        if not doc["competences"][competence]["goals"]:
            doc = set_value(doc, ("competences", competence, "goals"), None)
        return self._keep_profile(doc)

    def profile_problems(self) -> list[str]:
        _, problems = check_profile(self._profile())
        return [describe_problem(p, self.session.texts) for p in problems[:MAX_SHOWN_PROBLEMS]]

    def publish_profile(self) -> LibraryRelease:
        """Blocking. HR publishes the profile draft as the profile's next release."""
        profile, problems = check_profile(self._profile())
        if profile is None:
            raise InputRejected("error.sheet_has_problems", count=len(problems))
        numbers = [r.number for r in self.session.releases() if r.item_id == profile.id
                   and r.item is ItemKind.JOB_PROFILE]
        release = profile_release(profile, max(numbers, default=0) + 1,
                                  self.session.current_person().id)
        self._store(release)
        self.session.unlocked_vault().put_meta(PROFILE_DRAFT_KEY, {})
        return release

    def export_profile(self, profile_id: str) -> tuple[str, bytes]:
        profile = self.session.library.job_profiles.get(profile_id)
        if profile is None:
            raise InputRejected("error.sheet_missing")
        return f"{profile.id}.json", export_profile(profile)

    # --- who holds which job --------------------------------------------------------------------

    def assigned(self, profile_id: str) -> list[Member]:
        members = self.session.directory.members.values()
        return sorted((m for m in members if m.job_profile == profile_id), key=lambda m: m.name)

    def people(self) -> list[Member]:
        return sorted(self.session.directory.members.values(), key=lambda m: m.name)

    def assign(self, person_id: str, profile_id: str | None) -> None:
        """Blocking. A person's job profile, in the next directory version the
        organisation signs (whoever keeps its key: HR)."""
        directory = self.session.directory
        member = directory.member(person_id)
        if member is None:
            raise InputRejected("error.participant_unknown")
        if profile_id is not None and profile_id not in self.session.library.job_profiles:
            raise InputRejected("error.sheet_missing")
        changed = directory.with_member(dataclasses.replace(member, job_profile=profile_id))
        self.session.sign_directory(changed)


__all__ = ["Imported", "LibraryDesk", "describe_problem"]
