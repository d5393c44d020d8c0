"""Question sheets and job profiles: the data a conversation is prepared and held on.

Owns: the sheet model (themes → questions, and for team conversations the wheel,
dialog cards, exercise cards and ground rules), job profiles read from JSON, and the
validation of both. Sheets live as one JSON file each under ``assets/sheets/`` and job
profiles under ``assets/job_profiles/``; an organisation can add its own in further
folders (the seeds stress method freedom), see :func:`resources.library.load_library`;
this module only parses what was read.

Validation collects every problem in a file, each naming the file, the field and what
is wrong (``mus.json: themes[0].questions[2].type: must be one of …``). Loading never
raises: a broken file becomes a :class:`SheetProblem` in ``library.problems`` and is
skipped, so a bad sheet cannot crash the app.

Pure Python: no Flet, no vault, no files.
Texts are ``{"da": …, "en": …}`` mappings; show them with
:func:`conversations.texts.localize`.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from conversations.competence import Competence, JobProfile, Level
from conversations.model import Kind

__all__ = [
    "DialogCard",
    "ExerciseCard",
    "GroundRule",
    "Option",
    "Question",
    "QuestionSheet",
    "QuestionType",
    "SheetInvalid",
    "SheetLibrary",
    "SheetProblem",
    "SheetSource",
    "Text",
    "Theme",
    "WheelField",
    "assemble_library",
    "decode_json",
    "parse_job_profile",
    "parse_sheet",
    "problem",
    "profile_document",
    "sheet_document",
    "with_releases",
]

Text = Mapping[str, str]
"""A text per language code, Danish (``"da"``) always present."""

REQUIRED_LANGUAGE = "da"
MAX_FILE_BYTES = 1_000_000
MAX_MINUTES = 480
MAX_SCALE_STEPS = 11
TEAM_ONLY_FIELDS = ("wheel", "dialog_cards", "exercise_cards", "ground_rules", "summary_minutes")

PROBLEM_KEYS = (
    "at_least", "bad_id", "bad_language", "between", "choice_options", "danish_required",
    "empty_list", "empty_text", "id_file", "id_taken", "incomplete", "key_not_text",
    "not_boolean", "not_integer", "not_json", "not_list", "not_object", "not_text",
    "not_texts", "not_utf8", "only_for", "release_number", "required", "scale_order",
    "scale_steps", "team_only", "too_large", "twice", "unknown_field", "unknown_kind",
    "unknown_profile", "unknown_type", "unknown_wheel_field", "used_twice",
)
"""Every kind of problem, as ``SheetProblem.key`` names it (``sheetproblem.KEY`` texts)."""
PROBLEM_SUBJECTS = ("theme_id", "question_id", "option_id", "wheel_field_id", "card_id",
                    "rule_id", "competence_id")
"""What a ``used_twice`` problem says is used twice (``sheetproblem.what.SUBJECT``)."""

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_TOP = "(top level)"


# --- the model ------------------------------------------------------------------------


class QuestionType(enum.StrEnum):
    TEXT = "text"
    SCALE = "scale"
    CHOICE = "choice"
    COMPETENCE = "competence"


@dataclasses.dataclass(frozen=True)
class Option:
    id: str
    text: Text


@dataclasses.dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    text: Text
    help: Text | None = None
    options: tuple[Option, ...] = ()
    min: int | None = None
    max: int | None = None
    low: Text | None = None
    high: Text | None = None
    job_profile: str | None = None


@dataclasses.dataclass(frozen=True)
class Theme:
    id: str
    title: Text
    guidance: Text | None
    questions: tuple[Question, ...]


@dataclasses.dataclass(frozen=True)
class WheelField:
    id: str
    title: Text
    prompts: tuple[Text, ...]


@dataclasses.dataclass(frozen=True)
class DialogCard:
    id: str
    field: str
    text: Text


@dataclasses.dataclass(frozen=True)
class ExerciseCard:
    id: str
    title: Text
    instructions: Text
    minutes: int | None = None
    blank: bool = False


@dataclasses.dataclass(frozen=True)
class GroundRule:
    id: str
    text: Text


@dataclasses.dataclass(frozen=True)
class QuestionSheet:
    id: str
    version: int
    kind: Kind
    title: Text
    intro: Text | None
    themes: tuple[Theme, ...]
    wheel: tuple[WheelField, ...] = ()
    dialog_cards: tuple[DialogCard, ...] = ()
    exercise_cards: tuple[ExerciseCard, ...] = ()
    ground_rules: tuple[GroundRule, ...] = ()
    summary_minutes: int | None = None
    source_file: str = ""

    def all_questions(self) -> tuple[Question, ...]:
        return tuple(q for theme in self.themes for q in theme.questions)

    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.all_questions())

    def question(self, question_id: str) -> Question | None:
        """The question with this id, or None (answers may outlive a sheet's version)."""
        return next((q for q in self.all_questions() if q.id == question_id), None)

    def wheel_field(self, field_id: str) -> WheelField | None:
        return next((f for f in self.wheel if f.id == field_id), None)

    def dialog_cards_for(self, field_id: str) -> tuple[DialogCard, ...]:
        return tuple(card for card in self.dialog_cards if card.field == field_id)


# --- problems ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SheetProblem:
    """What is wrong, where: the file, the field (a path like ``themes[0].id``) and why.

    ``message`` is English, for logs and whoever edits the files; ``key`` and ``params``
    name the same message in the translations (``sheetproblem.KEY``), so the editor and
    an import tell a person what is wrong in their own language."""

    file: str
    field: str
    message: str
    key: str = ""
    params: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


def problem(file: str, field: str, message: str, key: str, **params: object) -> SheetProblem:
    """A :class:`SheetProblem` whose parameters are kept as text for translation."""
    return SheetProblem(file, field, message, key, tuple((k, str(v)) for k, v in params.items()))


class SheetInvalid(Exception):
    def __init__(self, problems: Iterable[SheetProblem]) -> None:
        self.problems: tuple[SheetProblem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --- reading JSON-like values -------------------------------------------------------------

MISSING = object()
_NOT_AN_OBJECT: Mapping[str, object] = types.MappingProxyType({})
T = TypeVar("T")


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        shown = json.dumps(value, ensure_ascii=False)
        return shown if len(shown) <= 42 else shown[:40] + '…"'
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def _at(field: str, key: str | int) -> str:
    """The path of ``key`` inside ``field``: ``themes[0].id``; odd keys in quotes."""
    if isinstance(key, int):
        return f"{field}[{key}]"
    if not _PLAIN_KEY.fullmatch(key):
        return f"{field}[{json.dumps(key, ensure_ascii=False)}]"
    return f"{field}.{key}" if field else key


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(values) or "none"


class _Reader:
    """Walks one file's JSON value and collects problems instead of raising."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[SheetProblem] = []

    def problem(self, field: str, message: str, key: str, **params: object) -> None:
        self.problems.append(problem(self.file, field or _TOP, message, key, **params))

    def obj(self, value: object, field: str, known: Sequence[str]) -> Mapping[str, object]:
        """The object at ``field`` (empty when it is not one); unknown keys are problems.

        Keys starting with ``_`` are comments for the people who edit the files.
        """
        if not isinstance(value, Mapping):
            self.problem(field, f"must be an object (got {_describe(value)})", "not_object",
                         got=_describe(value))
            return _NOT_AN_OBJECT
        for key in value:
            if not isinstance(key, str):
                self.problem(field, f"has a key that is not text ({_describe(key)})",
                             "key_not_text", got=_describe(key))
            elif key not in known and not key.startswith("_"):
                self.problem(_at(field, key), f"is not a field here (known: {_quoted(known)})",
                             "unknown_field", known=_quoted(known))
        for key in getattr(value, "duplicate_keys", ()):
            self.problem(_at(field, key), "appears more than once in the same object", "twice")
        return {k: v for k, v in value.items() if isinstance(k, str)}

    def value(self, obj: Mapping[str, object], key: str, field: str, required: bool) -> object:
        value = obj.get(key, MISSING)
        # Inside something that is not an object, that one problem says it all.
        if value is MISSING and required and obj is not _NOT_AN_OBJECT:
            self.problem(_at(field, key), "is required", "required")
        return value

    def identifier(self, obj: Mapping[str, object], key: str, field: str) -> str:
        value = self.value(obj, key, field, required=True)
        if value is MISSING:
            return ""
        if not isinstance(value, str) or not _ID.fullmatch(value):
            self.problem(
                _at(field, key),
                "must be an id: a letter or digit, then letters, digits, '_', '-' or '.', "
                f"at most 80 characters (got {_describe(value)})",
                "bad_id", got=_describe(value),
            )
            return ""
        return value

    def text(
        self, obj: Mapping[str, object], key: str, field: str, *, required: bool = True
    ) -> Text | None:
        value = self.value(obj, key, field, required)
        if value is MISSING:
            return None
        return self.text_value(value, _at(field, key))

    def text_value(self, value: object, field: str) -> Text | None:
        if not isinstance(value, Mapping):
            self.problem(
                field,
                'must be an object of texts per language, like {"da": "…", "en": "…"} '
                f"(got {_describe(value)})",
                "not_texts", got=_describe(value),
            )
            return None
        text: dict[str, str] = {}
        for lang, words in value.items():
            if not isinstance(lang, str) or not _LANGUAGE.fullmatch(lang):
                self.problem(field, f"{_describe(lang)} is not a language code like da or en",
                             "bad_language", got=_describe(lang))
            elif not isinstance(words, str):
                self.problem(_at(field, lang), f"must be text (got {_describe(words)})", "not_text",
                             got=_describe(words))
            elif not words.strip():
                self.problem(_at(field, lang), "must not be empty (leave the language out)",
                             "empty_text")
            else:
                text[lang] = words
        for lang in getattr(value, "duplicate_keys", ()):
            self.problem(_at(field, lang), "appears more than once in the same object", "twice")
        if REQUIRED_LANGUAGE not in value:
            self.problem(_at(field, REQUIRED_LANGUAGE), "is required: every text needs Danish",
                         "danish_required")
        return text

    def integer(
        self,
        obj: Mapping[str, object],
        key: str,
        field: str,
        *,
        required: bool,
        low: int,
        high: int | None = None,
    ) -> int | None:
        value = self.value(obj, key, field, required)
        if value is MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(_at(field, key), f"must be a whole number (got {_describe(value)})",
                         "not_integer", got=_describe(value))
            return None
        if value < low or (high is not None and value > high):
            if high is None:
                self.problem(_at(field, key), f"must be at least {low} (got {value})",
                             "at_least", low=low, got=value)
            else:
                self.problem(_at(field, key), f"must be from {low} to {high} (got {value})",
                             "between", low=low, high=high, got=value)
            return None
        return value

    def boolean(self, obj: Mapping[str, object], key: str, field: str) -> bool:
        value = self.value(obj, key, field, required=False)
        if value is MISSING:
            return False
        if not isinstance(value, bool):
            self.problem(_at(field, key), f"must be true or false (got {_describe(value)})",
                         "not_boolean", got=_describe(value))
            return False
        return value

    def items(
        self,
        obj: Mapping[str, object],
        key: str,
        field: str,
        parse: Callable[[object, str], T],
        *,
        required: bool,
    ) -> tuple[T, ...]:
        value = self.value(obj, key, field, required)
        if value is MISSING:
            return ()
        if not isinstance(value, list | tuple):
            self.problem(_at(field, key), f"must be a list (got {_describe(value)})", "not_list",
                         got=_describe(value))
            return ()
        if not value and required:
            self.problem(_at(field, key), "must have at least one entry", "empty_list")
        return tuple(parse(item, _at(_at(field, key), i)) for i, item in enumerate(value))

    def unique(self, ids: Iterable[tuple[str, str]], what: str) -> None:
        """Reports ids used twice; ``ids`` pairs each id with the field it came from."""
        first: dict[str, str] = {}
        for value, field in ids:
            if not value:
                continue
            if value in first:
                self.problem(
                    field, f'{what} "{value}" is used more than once (first at {first[value]})',
                    "used_twice", what=what.replace(" ", "_"), value=value, first=first[value],
                )
            else:
                first[value] = field


# --- sheets -----------------------------------------------------------------------------

_SHEET_KEYS = (
    "id", "version", "kind", "title", "intro", "themes", *TEAM_ONLY_FIELDS,
)  # fmt: skip
_THEME_KEYS = ("id", "title", "guidance", "questions")
_QUESTION_KEYS = ("id", "type", "text", "help", "options", "min", "max", "low", "high",
                  "job_profile")  # fmt: skip
_ONLY_FOR = {
    "options": QuestionType.CHOICE,
    "min": QuestionType.SCALE,
    "max": QuestionType.SCALE,
    "low": QuestionType.SCALE,
    "high": QuestionType.SCALE,
    "job_profile": QuestionType.COMPETENCE,
}


class _SheetReader(_Reader):
    def __init__(self, file: str, job_profiles: Mapping[str, JobProfile] | None) -> None:
        super().__init__(file)
        self.job_profiles = job_profiles

    def sheet(self, data: object) -> QuestionSheet:
        top = self.obj(data, "", _SHEET_KEYS)
        sheet_id = self.identifier(top, "id", "")
        version = self.integer(top, "version", "", required=True, low=1)
        kind = self.kind(top)
        title = self.text(top, "title", "")
        intro = self.text(top, "intro", "", required=False)
        themes = self.items(top, "themes", "", self.theme, required=True)
        self.unique(((t.id, _at(_at("themes", i), "id")) for i, t in enumerate(themes)), "theme id")
        self.unique(
            (
                (q.id, _at(_at(_at(_at("themes", i), "questions"), j), "id"))
                for i, theme in enumerate(themes)
                for j, q in enumerate(theme.questions)
            ),
            "question id",
        )

        team = kind is not None and kind.is_team
        if kind is not None and not team:
            for key in TEAM_ONLY_FIELDS:
                if key in top:
                    self.problem(key, "is only used on team sheets (GRUS, TUS)", "team_only")
        must = kind is Kind.TUS
        wheel = self.items(top, "wheel", "", self.wheel_field, required=must)
        cards = self.items(top, "dialog_cards", "", self.dialog_card, required=must)
        exercises = self.items(top, "exercise_cards", "", self.exercise_card, required=must)
        rules = self.items(top, "ground_rules", "", self.ground_rule, required=must)
        summary = self.integer(top, "summary_minutes", "", required=False, low=1, high=MAX_MINUTES)

        self.unique(((f.id, f"wheel[{i}].id") for i, f in enumerate(wheel)), "wheel field id")
        self.unique(((c.id, f"dialog_cards[{i}].id") for i, c in enumerate(cards)), "card id")
        self.unique(((c.id, f"exercise_cards[{i}].id") for i, c in enumerate(exercises)), "card id")
        self.unique(((r.id, f"ground_rules[{i}].id") for i, r in enumerate(rules)), "rule id")
        wheel_ids = [f.id for f in wheel if f.id]
        for i, card in enumerate(cards):
            if card.field and card.field not in wheel_ids:
                self.problem(
                    f"dialog_cards[{i}].field",
                    f'refers to wheel field "{card.field}", which the sheet does not have '
                    f"(wheel: {_quoted(wheel_ids)})",
                    "unknown_wheel_field", target=card.field, wheel=_quoted(wheel_ids),
                )

        if self.problems:
            raise SheetInvalid(self.problems)
        if kind is None or version is None or title is None:  # each added a problem
            raise SheetInvalid([problem(self.file, _TOP, "is incomplete", "incomplete")])
        return QuestionSheet(
            id=sheet_id,
            version=version,
            kind=kind,
            title=title,
            intro=intro,
            themes=themes,
            wheel=wheel,
            dialog_cards=cards,
            exercise_cards=exercises,
            ground_rules=rules,
            summary_minutes=summary,
            source_file=self.file,
        )

    def kind(self, top: Mapping[str, object]) -> Kind | None:
        value = self.value(top, "kind", "", required=True)
        if value is MISSING:
            return None
        if isinstance(value, str) and value in {k.value for k in Kind}:
            return Kind(value)
        self.problem("kind", f"must be one of {_quoted(Kind)} (got {_describe(value)})",
                     "unknown_kind", known=_quoted(Kind), got=_describe(value))
        return None

    def theme(self, value: object, field: str) -> Theme:
        obj = self.obj(value, field, _THEME_KEYS)
        return Theme(
            id=self.identifier(obj, "id", field),
            title=self.text(obj, "title", field) or {},
            guidance=self.text(obj, "guidance", field, required=False),
            questions=self.items(obj, "questions", field, self.question, required=True),
        )

    def question(self, value: object, field: str) -> Question:
        obj = self.obj(value, field, _QUESTION_KEYS)
        question_id = self.identifier(obj, "id", field)
        kind = self.question_type(obj, field)
        text = self.text(obj, "text", field) or {}
        help_text = self.text(obj, "help", field, required=False)
        if kind is not None:
            for key, owner in _ONLY_FOR.items():
                if key in obj and owner is not kind:
                    self.problem(_at(field, key), f"only belongs on {owner} questions",
                                 "only_for", owner=owner)

        options: tuple[Option, ...] = ()
        low_value = high_value = None
        low_text = high_text = None
        profile = None
        if kind is QuestionType.CHOICE:
            if "options" not in obj and obj is not _NOT_AN_OBJECT:
                self.problem(_at(field, "options"), "is required", "required")
            options = self.items(obj, "options", field, self.option, required=False)
            if isinstance(obj.get("options"), list | tuple) and len(options) < 2:
                self.problem(
                    _at(field, "options"),
                    f"a choice needs at least 2 options (got {len(options)})",
                    "choice_options", got=len(options),
                )
            self.unique(
                ((o.id, _at(_at(_at(field, "options"), i), "id")) for i, o in enumerate(options)),
                "option id",
            )
        elif kind is QuestionType.SCALE:
            low_value = self.integer(obj, "min", field, required=True, low=-100, high=100)
            high_value = self.integer(obj, "max", field, required=True, low=-100, high=100)
            if low_value is not None and high_value is not None:
                if low_value >= high_value:
                    self.problem(
                        _at(field, "max"),
                        f"must be larger than min ({low_value}; got {high_value})",
                        "scale_order", min=low_value, got=high_value,
                    )
                elif high_value - low_value + 1 > MAX_SCALE_STEPS:
                    self.problem(
                        _at(field, "max"),
                        f"a scale has at most {MAX_SCALE_STEPS} steps "
                        f"(got {high_value - low_value + 1})",
                        "scale_steps", most=MAX_SCALE_STEPS, got=high_value - low_value + 1,
                    )
            low_text = self.text(obj, "low", field, required=False)
            high_text = self.text(obj, "high", field, required=False)
        elif kind is QuestionType.COMPETENCE:
            profile = self.identifier(obj, "job_profile", field)
            if profile and self.job_profiles is not None and profile not in self.job_profiles:
                self.problem(
                    _at(field, "job_profile"),
                    f'refers to job profile "{profile}", which does not exist '
                    f"(known: {_quoted(sorted(self.job_profiles))})",
                    "unknown_profile", profile=profile, known=_quoted(sorted(self.job_profiles)),
                )
        return Question(
            id=question_id,
            type=kind or QuestionType.TEXT,
            text=text,
            help=help_text,
            options=options,
            min=low_value,
            max=high_value,
            low=low_text,
            high=high_text,
            job_profile=profile,
        )

    def question_type(self, obj: Mapping[str, object], field: str) -> QuestionType | None:
        value = self.value(obj, "type", field, required=True)
        if value is MISSING:
            return None
        if isinstance(value, str) and value in {t.value for t in QuestionType}:
            return QuestionType(value)
        self.problem(
            _at(field, "type"), f"must be one of {_quoted(QuestionType)} (got {_describe(value)})",
            "unknown_type", known=_quoted(QuestionType), got=_describe(value),
        )
        return None

    def option(self, value: object, field: str) -> Option:
        obj = self.obj(value, field, ("id", "text"))
        return Option(
            id=self.identifier(obj, "id", field), text=self.text(obj, "text", field) or {}
        )

    def wheel_field(self, value: object, field: str) -> WheelField:
        obj = self.obj(value, field, ("id", "title", "prompts"))
        prompts = self.items(obj, "prompts", field, self.text_value, required=True)
        return WheelField(
            id=self.identifier(obj, "id", field),
            title=self.text(obj, "title", field) or {},
            prompts=tuple(p for p in prompts if p is not None),
        )

    def dialog_card(self, value: object, field: str) -> DialogCard:
        obj = self.obj(value, field, ("id", "field", "text"))
        return DialogCard(
            id=self.identifier(obj, "id", field),
            field=self.identifier(obj, "field", field),
            text=self.text(obj, "text", field) or {},
        )

    def exercise_card(self, value: object, field: str) -> ExerciseCard:
        obj = self.obj(value, field, ("id", "title", "instructions", "minutes", "blank"))
        blank = self.boolean(obj, "blank", field)
        return ExerciseCard(
            id=self.identifier(obj, "id", field),
            title=self.text(obj, "title", field) or {},
            instructions=self.text(obj, "instructions", field) or {},
            minutes=self.integer(
                obj, "minutes", field, required=not blank, low=1, high=MAX_MINUTES
            ),
            blank=blank,
        )

    def ground_rule(self, value: object, field: str) -> GroundRule:
        obj = self.obj(value, field, ("id", "text"))
        return GroundRule(
            id=self.identifier(obj, "id", field), text=self.text(obj, "text", field) or {}
        )


def parse_sheet(
    data: object, file: str, job_profiles: Mapping[str, JobProfile] | None = None
) -> QuestionSheet:
    """The sheet in ``data`` (a parsed JSON value), or :class:`SheetInvalid` listing every
    problem. When ``job_profiles`` is given, competence questions must name one of them."""
    return _SheetReader(file, job_profiles).sheet(data)


# --- job profiles ----------------------------------------------------------------------


class _ProfileReader(_Reader):
    def profile(self, data: object) -> JobProfile:
        top = self.obj(data, "", ("id", "title", "competences"))
        profile_id = self.identifier(top, "id", "")
        title = self.text(top, "title", "")
        competences = self.items(top, "competences", "", self.competence, required=True)
        self.unique(
            ((c.id, f"competences[{i}].id") for i, c in enumerate(competences)), "competence id"
        )
        if self.problems:
            raise SheetInvalid(self.problems)
        if title is None:  # it added a problem
            raise SheetInvalid([problem(self.file, "title", "is missing", "required")])
        return JobProfile(id=profile_id, title=title, competences=competences)

    def competence(self, value: object, field: str) -> Competence:
        obj = self.obj(value, field, ("id", "name", "description", "expected", "group", "goals"))
        expected = self.integer(
            obj, "expected", field, required=False, low=int(Level.NOVICE), high=int(Level.EXPERT)
        )
        goals = self.items(obj, "goals", field, self.text_value, required=False)
        return Competence(
            id=self.identifier(obj, "id", field),
            name=self.text(obj, "name", field) or {},
            description=self.text(obj, "description", field, required=False) or {},
            expected=Level.COMPETENT if expected is None else Level(expected),
            group=self.text(obj, "group", field, required=False) or {},
            goals=tuple(g for g in goals if g is not None),
        )


def parse_job_profile(data: object, file: str) -> JobProfile:
    """The job profile in ``data``, or :class:`SheetInvalid` listing every problem.

    ``expected`` is the level the job asks for, 1 (nybegynder) to 5 (ekspert); left out,
    it is 3 (kompetent). "Ikke relevant" is something a person answers, not a demand.
    """
    return _ProfileReader(file).profile(data)


# --- the library -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SheetLibrary:
    """The sheets (each id's newest version), the job profiles, and every version of
    every sheet ever known here (``versions``), so that a conversation planned on an
    older version is still prepared and held on exactly that one."""

    sheets: Mapping[str, QuestionSheet]
    job_profiles: Mapping[str, JobProfile]
    problems: tuple[SheetProblem, ...] = ()
    versions: Mapping[str, Mapping[int, QuestionSheet]] = dataclasses.field(
        default_factory=dict)

    def sheet_for(self, sheet_id: str, version: int) -> QuestionSheet | None:
        """The version a conversation was planned with; the newest when that one is not
        known here (a conversation planned before versions were kept)."""
        kept = self.versions.get(sheet_id, {}).get(version)
        return kept if kept is not None else self.sheets.get(sheet_id)

    def next_version(self, sheet_id: str) -> int:
        """The number a new version of ``sheet_id`` gets: one above every known one."""
        known = [*self.versions.get(sheet_id, {}), 0]
        current = self.sheets.get(sheet_id)
        return max(*known, current.version if current else 0) + 1

    def for_kind(self, kind: Kind | str) -> list[QuestionSheet]:
        return sorted((s for s in self.sheets.values() if s.kind == kind), key=lambda s: s.id)

    def sheet(self, sheet_id: str) -> QuestionSheet | None:
        return self.sheets.get(sheet_id)

    def job_profile(self, profile_id: str) -> JobProfile | None:
        return self.job_profiles.get(profile_id)


class _KeyCountingDict(dict[str, object]):
    """A JSON object that remembers keys given twice (json keeps only the last)."""

    duplicate_keys: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, object]]) -> _KeyCountingDict:
    result = _KeyCountingDict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        twice: list[str] = []
        for key, _ in pairs:
            if key in seen:
                twice.append(key)
            seen.add(key)
        result.duplicate_keys = tuple(twice)
    return result


def decode_json(raw: bytes, file: str, problems: list[SheetProblem]) -> object:
    """A sheet or job profile file's bytes parsed, or ``MISSING`` after adding a problem."""
    if len(raw) > MAX_FILE_BYTES:
        problems.append(
            problem(
                file, "(file)", f"is too large ({len(raw)} bytes; at most {MAX_FILE_BYTES})",
                "too_large", size=len(raw), most=MAX_FILE_BYTES,
            )
        )
        return MISSING
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(problem(file, "(file)", f"is not UTF-8 text (byte {exc.start})",
                                "not_utf8", byte=exc.start))
        return MISSING
    try:
        return json.loads(source, object_pairs_hook=_object_pairs)
    except json.JSONDecodeError as exc:
        field = f"line {exc.lineno}, column {exc.colno}"
        problems.append(problem(file, field, f"is not valid JSON: {exc.msg}", "not_json",
                                reason=exc.msg))
    except (ValueError, RecursionError) as exc:
        problems.append(problem(file, "(file)", f"is not valid JSON: {exc}", "not_json",
                                reason=exc))
    return MISSING


@dataclasses.dataclass(frozen=True)
class SheetSource:
    """One sheet or job profile file as read: which folder it came from (a later folder
    overrides an earlier one), its name without ``.json``, its name in problems, and
    its bytes."""

    folder: int
    stem: str
    file: str
    raw: bytes


def assemble_library(
    profile_sources: Iterable[SheetSource],
    sheet_sources: Iterable[SheetSource],
    problems: Iterable[SheetProblem] = (),
) -> SheetLibrary:
    """The library from files already read (``resources.library`` reads them).

    A sheet's id must match its file name. A later folder's sheet or profile replaces an
    earlier one with the same id (that is how an organisation adapts a shipped sheet);
    the same id twice within one folder is a problem. Every problem is collected in
    ``problems`` and the file skipped; this function does not raise.
    """
    found = list(problems)
    profiles: dict[str, JobProfile] = {}
    profile_origin: dict[str, tuple[int, str]] = {}
    for source in profile_sources:
        profile = _load_one(source, found, parse_job_profile)
        if profile is not None and _claim(profile.id, source.folder, source.file,
                                          profile_origin, found):
            profiles[profile.id] = profile

    sheets: dict[str, QuestionSheet] = {}
    sheet_origin: dict[str, tuple[int, str]] = {}
    for source in sheet_sources:
        sheet = _load_one(source, found, lambda d, f: parse_sheet(d, f, profiles))
        if sheet is None:
            continue
        if sheet.id != source.stem:
            found.append(
                problem(
                    source.file, "id",
                    f'must match the file name "{source.stem}" (got "{sheet.id}")',
                    "id_file", stem=source.stem, got=sheet.id,
                )
            )
            continue
        if _claim(sheet.id, source.folder, source.file, sheet_origin, found):
            sheets[sheet.id] = sheet
    versions = {sheet_id: {sheet.version: sheet} for sheet_id, sheet in sheets.items()}
    return SheetLibrary(sheets=sheets, job_profiles=profiles, problems=tuple(found),
                        versions=versions)


def with_releases(
    library: SheetLibrary,
    profile_sources: Iterable[SheetSource],
    sheet_sources: Iterable[tuple[SheetSource, int]],
) -> SheetLibrary:
    """``library`` with the organisation's published versions added (see
    ``conversations.publishing``). A job profile replaces the one with its id; every
    sheet version is kept beside the others, and the highest becomes the sheet new
    conversations get. Each sheet comes with the version it was published as, which its
    document must carry. A broken release is a problem and skipped, like a broken file."""
    found = list(library.problems)
    profiles = dict(library.job_profiles)
    for source in profile_sources:
        profile = _load_one(source, found, parse_job_profile)
        if profile is not None:
            profiles[profile.id] = profile
    versions = {sheet_id: dict(kept) for sheet_id, kept in library.versions.items()}
    for source, number in sheet_sources:
        sheet = _load_one(source, found, lambda d, f: parse_sheet(d, f, profiles))
        if sheet is None:
            continue
        if sheet.id != source.stem:
            found.append(problem(source.file, "id", f'must be "{source.stem}" (got "{sheet.id}")',
                                 "id_file", stem=source.stem, got=sheet.id))
            continue
        if sheet.version != number:
            found.append(problem(source.file, "version", f"must be {number} (got {sheet.version})",
                                 "release_number", number=number, got=sheet.version))
            continue
        versions.setdefault(sheet.id, {})[sheet.version] = sheet
    sheets = dict(library.sheets)
    for sheet_id, kept in versions.items():
        sheets[sheet_id] = kept[max(kept)]
    return SheetLibrary(sheets=sheets, job_profiles=profiles, problems=tuple(found),
                        versions=versions)


def _load_one(
    source: SheetSource, problems: list[SheetProblem], parse: Callable[[object, str], T]
) -> T | None:
    data = decode_json(source.raw, source.file, problems)
    if data is MISSING:
        return None
    try:
        return parse(data, source.file)
    except SheetInvalid as invalid:
        problems.extend(invalid.problems)
    return None


def _claim(
    item_id: str,
    index: int,
    file: str,
    origin: dict[str, tuple[int, str]],
    problems: list[SheetProblem],
) -> bool:
    """Whether the item from folder ``index`` takes the id (a later folder overrides)."""
    earlier = origin.get(item_id)
    if earlier is not None and earlier[0] == index:
        problems.append(problem(file, "id", f'"{item_id}" is already used by {earlier[1]}',
                                "id_taken", item=item_id, earlier=earlier[1]))
        return False
    origin[item_id] = (index, file)
    return True


def progress_items(sheet: QuestionSheet, profiles: Mapping[str, JobProfile]) -> tuple[str, ...]:
    """What counts towards a preparation's progress: each question, and each competence
    of the job profile a competence question asks about."""
    items: list[str] = []
    for question in sheet.all_questions():
        if question.type is QuestionType.COMPETENCE:
            profile = profiles.get(question.job_profile or "")
            items.extend(c.id for c in (profile.competences if profile else ()))
        else:
            items.append(question.id)
    return tuple(items)


# --- back to JSON -----------------------------------------------------------------------


def sheet_document(sheet: QuestionSheet) -> dict[str, object]:
    """The JSON value of ``sheet``, as a file holds it: :func:`parse_sheet` of it gives
    the same sheet back. Optional fields that are empty are left out."""
    doc: dict[str, object] = {
        "id": sheet.id, "version": sheet.version, "kind": sheet.kind.value,
        "title": dict(sheet.title),
    }
    if sheet.intro is not None:
        doc["intro"] = dict(sheet.intro)
    doc["themes"] = [_theme_document(theme) for theme in sheet.themes]
    if sheet.wheel:
        doc["wheel"] = [{"id": f.id, "title": dict(f.title),
                         "prompts": [dict(p) for p in f.prompts]} for f in sheet.wheel]
    if sheet.dialog_cards:
        doc["dialog_cards"] = [{"id": c.id, "field": c.field, "text": dict(c.text)}
                               for c in sheet.dialog_cards]
    if sheet.exercise_cards:
        doc["exercise_cards"] = [_exercise_document(c) for c in sheet.exercise_cards]
    if sheet.ground_rules:
        doc["ground_rules"] = [{"id": r.id, "text": dict(r.text)} for r in sheet.ground_rules]
    if sheet.summary_minutes is not None:
        doc["summary_minutes"] = sheet.summary_minutes
    return doc


def _theme_document(theme: Theme) -> dict[str, object]:
    doc: dict[str, object] = {"id": theme.id, "title": dict(theme.title)}
    if theme.guidance is not None:
        doc["guidance"] = dict(theme.guidance)
    doc["questions"] = [_question_document(q) for q in theme.questions]
    return doc


def _question_document(question: Question) -> dict[str, object]:
    doc: dict[str, object] = {"id": question.id, "type": question.type.value,
                              "text": dict(question.text)}
    if question.help is not None:
        doc["help"] = dict(question.help)
    if question.type is QuestionType.CHOICE:
        doc["options"] = [{"id": o.id, "text": dict(o.text)} for o in question.options]
    elif question.type is QuestionType.SCALE:
        doc["min"], doc["max"] = question.min, question.max
        if question.low is not None:
            doc["low"] = dict(question.low)
        if question.high is not None:
            doc["high"] = dict(question.high)
    elif question.type is QuestionType.COMPETENCE:
        doc["job_profile"] = question.job_profile
    return doc


def _exercise_document(card: ExerciseCard) -> dict[str, object]:
    doc: dict[str, object] = {"id": card.id, "title": dict(card.title),
                              "instructions": dict(card.instructions)}
    if card.minutes is not None:
        doc["minutes"] = card.minutes
    if card.blank:
        doc["blank"] = True
    return doc


def profile_document(profile: JobProfile) -> dict[str, object]:
    """The JSON value of ``profile``; :func:`parse_job_profile` of it gives it back."""
    competences: list[dict[str, object]] = []
    for competence in profile.competences:
        doc: dict[str, object] = {"id": competence.id, "name": dict(competence.name)}
        if competence.description:
            doc["description"] = dict(competence.description)
        doc["expected"] = int(competence.expected)
        if competence.group:
            doc["group"] = dict(competence.group)
        if competence.goals:
            doc["goals"] = [dict(goal) for goal in competence.goals]
        competences.append(doc)
    return {"id": profile.id, "title": dict(profile.title), "competences": competences}
