"""The organisation's question sheets and job profiles: the list, the sheet editor, the
sheet as the employee will see it, and the job-profile editor.

Thin: every change goes to ``services.library_desk`` (which keeps the draft and checks it
with the loader's checks) and the screen only shows the draft and what is wrong with it.
A text is kept when the person leaves its field; adding, removing or changing a type
draws the editor again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import flet as ft

from conversations.competence import SCALE, Level
from conversations.model import InputRejected, Kind
from conversations.sheet_editor import Document, PathKey, value_at
from conversations.sheets import QuestionSheet, QuestionType
from storage import StorageError
from views.common import busy, describe, named, page_column, said
from views.shell import Route
from views.widgets import back_bar, export

if TYPE_CHECKING:
    from services.library_desk import LibraryDesk
    from views.shell import Shell

KINDS = (Kind.MUS, Kind.PUS, Kind.LUS, Kind.GRUS, Kind.TUS)
CARD_TEXTS = {
    "dialog_cards": {
        "heading": "editor.dialog_cards", "item": "editor.dialog_cards.one_item",
        "remove": "editor.dialog_cards.remove", "add": "editor.dialog_cards.add",
        "text": "editor.dialog_cards.text",
    },
    "exercise_cards": {
        "heading": "editor.exercise_cards", "item": "editor.exercise_cards.one_item",
        "remove": "editor.exercise_cards.remove", "add": "editor.exercise_cards.add",
        "title": "editor.exercise_cards.title",
        "instructions": "editor.exercise_cards.instructions",
    },
    "ground_rules": {
        "heading": "editor.ground_rules", "item": "editor.ground_rules.one_item",
        "remove": "editor.ground_rules.remove", "add": "editor.ground_rules.add",
        "text": "editor.ground_rules.text",
    },
}
"""The texts for each list of cards on a team sheet, and which of a card's texts are
edited (the keys other than heading, item, remove and add)."""


def named_button(text: str, name: str, icon: ft.IconData,
                 on_click: Callable[[], Awaitable[None]]) -> ft.OutlinedButton:
    """A short word on a button that repeats (*Tilpas* on every sheet), read aloud with
    what it belongs to."""
    return ft.OutlinedButton(content=said(text, name), icon=icon, on_click=on_click)


def heading(text: str) -> ft.Text:
    return ft.Text(text, theme_style=ft.TextThemeStyle.TITLE_MEDIUM)


def card(controls: list[ft.Control]) -> ft.Control:
    """A bordered box. Not a Material card: that merges its texts into one name for a
    screen reader, and a question or a heading must be read on its own."""
    return ft.Container(
        ft.Column(controls, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
        padding=12, border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        border_radius=ft.BorderRadius.all(12))


async def attempt(shell: Shell, message: ft.Text, work: Callable[[], Any]) -> bool:
    """Runs ``work`` off the event loop; a refusal is shown in ``message``."""
    try:
        await asyncio.to_thread(work)
    except (InputRejected, StorageError, KeyError) as err:
        message.value = describe(err, shell.session.texts) if not isinstance(err, KeyError) \
            else shell.session.texts("error.unexpected")
        message.color = ft.Colors.ERROR
        message.update()
        return False
    return True


# --- the list ------------------------------------------------------------------------------


async def show_sheets(shell: Shell, notice: str = "") -> None:
    """Every sheet and job profile; HR (and leaders HR allows) start editing here."""
    session, t = shell.session, shell.session.texts
    desk = session.library_desk
    message = ft.Text(notice, color=ft.Colors.PRIMARY)

    def load() -> tuple[list[QuestionSheet], set[str], Document | None, bool, bool]:
        sheets = desk.sheets()
        own = {s.id for s in sheets if desk.released(s.id)}
        return sheets, own, desk.draft(), desk.may_edit(), desk.may_publish()

    sheets, own, draft, may_edit, is_hr = await asyncio.to_thread(load)
    body: list[ft.Control] = [message, ft.Text(t("sheets.intro"))]
    if draft is not None and may_edit:
        body.append(ft.FilledButton(
            t("sheets.continue", title=t.localize(draft.get("title"))), icon=ft.Icons.EDIT_NOTE,
            on_click=shell.to(Route.SHEET_EDITOR)))
    body.append(heading(t("sheets.sheets")))
    for sheet in sheets:
        body.append(sheet_card(shell, sheet, sheet.id in own, may_edit, message))
    if may_edit:
        body += new_sheet_controls(shell, message)
    if is_hr:
        body.append(heading(t("sheets.profiles")))
        for profile in desk.profiles():
            body.append(ft.Row([
                ft.Text(t.localize(profile.title), expand=True),
                named_button(t("sheets.edit_profile"),
                             t("sheets.edit_profile_named", title=t.localize(profile.title)),
                             ft.Icons.EDIT, profile_opener(shell, profile.id, message)),
            ], wrap=True))
        body.append(leaders_switch(shell, message))
    shell.show(page_column(body), back_bar(shell, t("sheets.title")))


def profile_opener(shell: Shell, profile_id: str, message: ft.Text
                   ) -> Callable[[], Awaitable[None]]:
    desk = shell.session.library_desk

    async def edit_profile() -> None:
        if await attempt(shell, message, lambda: desk.start_profile(profile_id)):
            await shell.go(Route.PROFILE_EDITOR)

    return edit_profile


def sheet_card(shell: Shell, sheet: QuestionSheet, own: bool, may_edit: bool,
               message: ft.Text) -> ft.Control:
    t, desk = shell.session.texts, shell.session.library_desk
    title = t.localize(sheet.title)
    line = t("sheets.version_line", kind=t(f"kind.{sheet.kind.value}"), version=sheet.version)
    if own:
        line += " · " + t("sheets.own")

    async def tailor() -> None:
        if await attempt(shell, message, lambda: desk.start_from(sheet.id)):
            await shell.go(Route.SHEET_EDITOR)

    async def save() -> None:
        name, data = await asyncio.to_thread(desk.export, sheet.id)
        await export(shell, name, lambda: data, message)

    buttons: list[ft.Control] = []
    if may_edit:
        buttons.append(named_button(t("sheets.tailor"), t("sheets.tailor_named", title=title),
                                    ft.Icons.EDIT, tailor))
    buttons.append(named_button(t("sheets.export"), t("sheets.export_named", title=title),
                                ft.Icons.DOWNLOAD, save))
    return card([ft.Text(title, weight=ft.FontWeight.W_500),
                 ft.Text(line, color=ft.Colors.ON_SURFACE_VARIANT),
                 ft.Row(buttons, wrap=True, spacing=8)])


def new_sheet_controls(shell: Shell, message: ft.Text) -> list[ft.Control]:
    t, desk = shell.session.texts, shell.session.library_desk
    kind = ft.Dropdown(label=t("sheets.new_kind"), value=Kind.MUS.value, options=[
        ft.DropdownOption(key=k.value, text=t(f"kind.{k.value}")) for k in KINDS])
    title = ft.TextField(label=t("sheets.new_title"))

    async def blank() -> None:
        chosen = Kind(kind.value or Kind.MUS.value)
        if await attempt(shell, message, lambda: desk.start_blank(chosen, title.value or "")):
            await shell.go(Route.SHEET_EDITOR)

    async def pick() -> None:
        picker = next((s for s in shell.page.services if isinstance(s, ft.FilePicker)), None)
        if picker is None:
            picker = ft.FilePicker()
            shell.page.services.append(picker)
            shell.page.update()
        files = await picker.pick_files(dialog_title=t("sheets.import"), with_data=True,
                                        allowed_extensions=["json"])
        if not files or files[0].bytes is None:
            return
        raw, name = files[0].bytes, files[0].name
        result = await asyncio.to_thread(desk.import_file, raw, name)
        if result.problems:
            message.value = "\n".join([t("sheets.import_refused"), *result.problems])
            message.color = ft.Colors.ERROR
            message.update()
            return
        await shell.go(Route.SHEET_EDITOR)

    return [
        heading(t("sheets.new")), named(kind), title,
        ft.Row([ft.FilledButton(t("sheets.new_blank"), icon=ft.Icons.ADD, on_click=blank),
                ft.OutlinedButton(t("sheets.import"), icon=ft.Icons.UPLOAD_FILE, on_click=pick)],
               wrap=True, spacing=8),
    ]


def leaders_switch(shell: Shell, message: ft.Text) -> ft.Control:
    t, desk = shell.session.texts, shell.session.library_desk

    async def changed(e: ft.Event[ft.Switch]) -> None:
        allowed = bool(e.control.value)
        if not await attempt(shell, message, lambda: desk.allow_leaders(allowed)):
            e.control.value = not allowed
            e.control.update()

    return ft.Switch(label=t("sheets.leaders_may_edit"),
                     value=shell.session.directory.policy.leaders_edit_sheets, on_change=changed)


# --- the sheet editor --------------------------------------------------------------------------


class SheetEditor:
    """Draws the draft; each control calls the desk and shows what is wrong now."""

    def __init__(self, shell: Shell, doc: Document) -> None:
        self.shell = shell
        self.t = shell.session.texts
        self.desk: LibraryDesk = shell.session.library_desk
        self.doc = doc
        self.problems = ft.Column([], spacing=4)
        self.message = ft.Text("")
        self.body = ft.Column([])

    async def change(self, work: Callable[[], Document], redraw: bool = False) -> None:
        try:
            self.doc = await asyncio.to_thread(work)
        except (InputRejected, StorageError) as err:
            self.message.value, self.message.color = describe(err, self.t), ft.Colors.ERROR
            self.message.update()
            return
        if redraw:
            # The same scrolling column gets new contents, so the person stays where
            # they were on a long sheet instead of being thrown back to the top.
            problems = await asyncio.to_thread(self.desk.problems)
            self.body.controls = self.build(problems)
            self.body.update()
            return
        await self.show_problems()

    async def show_problems(self) -> None:
        problems = await asyncio.to_thread(self.desk.problems)
        self.problems.controls = self.problem_lines(problems)
        self.problems.update()

    def problem_lines(self, problems: Sequence[str]) -> list[ft.Control]:
        if not problems:
            return [ft.Text(self.t("editor.no_problems"), color=ft.Colors.PRIMARY)]
        return [ft.Text(self.t("editor.problems", count=len(problems)),
                        weight=ft.FontWeight.W_500, color=ft.Colors.ERROR),
                *(ft.Text(p, color=ft.Colors.ERROR) for p in problems)]

    # --- fields ------------------------------------------------------------------------

    def text(self, label: str, path: Sequence[PathKey], *, multiline: bool = False
             ) -> ft.TextField:
        current = value_at(self.doc, path)
        shown = current.get(self.t.lang, "") if isinstance(current, dict) else ""
        danish = current.get("da", "") if isinstance(current, dict) else ""
        field = ft.TextField(label=label, value=shown, multiline=multiline,
                             hint_text=danish if not shown else None, max_lines=6)

        async def left(e: Any) -> None:
            if (field.value or "") != shown:
                await self.change(lambda: self.desk.set_text(path, field.value or ""))

        field.on_blur = left
        field.on_submit = left
        return field

    def number(self, label: str, path: Sequence[PathKey]) -> ft.TextField:
        value = value_at(self.doc, path)
        field = ft.TextField(label=label, value="" if value is None else str(value), width=240,
                             keyboard_type=ft.KeyboardType.NUMBER)

        async def left(e: Any) -> None:
            await self.change(lambda: self.desk.set_number(path, field.value or ""))

        field.on_blur = left
        field.on_submit = left
        return field

    def button(self, label: str, icon: ft.IconData, work: Callable[[], Document]
               ) -> ft.Control:
        async def click() -> None:
            await self.change(work, redraw=True)

        return ft.OutlinedButton(label, icon=icon, on_click=click)

    def remover(self, label: str, path: Sequence[PathKey]) -> ft.Control:
        async def click() -> None:
            await self.change(lambda: self.desk.remove(path), redraw=True)

        # Words, not only a bin icon: the person (and a screen reader) hears what goes.
        return ft.TextButton(label, icon=ft.Icons.DELETE_OUTLINE, on_click=click)

    # --- the sheet's parts ------------------------------------------------------------------

    def build(self, problems: Sequence[str]) -> list[ft.Control]:
        t = self.t
        self.problems.controls = self.problem_lines(problems)
        kind = str(self.doc.get("kind", ""))
        themes = value_at(self.doc, ("themes",)) or []
        count = sum(len(theme.get("questions") or []) for theme in themes)
        body: list[ft.Control] = [
            ft.Text(t("editor.about", kind=t(f"kind.{kind}"), version=self.doc.get("version"),
                      count=count), color=ft.Colors.ON_SURFACE_VARIANT),
            self.text(t("editor.sheet_title"), ("title",)),
            self.text(t("editor.intro"), ("intro",), multiline=True),
        ]
        number = 0
        for i, theme in enumerate(themes):
            body.append(self.theme(i, theme, number))
            number += len(theme.get("questions") or [])
        body.append(self.button(t("editor.add_theme"), ft.Icons.ADD,
                                lambda: self.desk.add(("themes",))))
        if kind in (Kind.TUS.value, Kind.GRUS.value):
            body += self.team_parts()
        body += self.actions()
        return body

    def theme(self, i: int, theme: Document, before: int) -> ft.Control:
        t, n = self.t, i + 1
        parts: list[ft.Control] = [
            ft.Row([heading(t("editor.theme", number=n)),
                    self.remover(t("editor.remove_theme", number=n), ("themes", i))],
                   alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
            self.text(t("editor.theme_title", number=n), ("themes", i, "title")),
            self.text(t("editor.guidance", number=n), ("themes", i, "guidance"), multiline=True),
        ]
        for j, _ in enumerate(theme.get("questions") or []):
            parts.append(self.question(("themes", i, "questions", j), before + j + 1))
        parts.append(self.button(t("editor.add_question", number=n), ft.Icons.ADD,
                                 lambda: self.desk.add(("themes", i, "questions"))))
        return card(parts)

    def question(self, path: tuple[PathKey, ...], n: int) -> ft.Control:
        t = self.t
        question = value_at(self.doc, path) or {}
        kind = ft.Dropdown(
            label=t("editor.type", number=n), value=str(question.get("type", "")), width=220,
            options=[ft.DropdownOption(key=q.value, text=t(f"editor.type.{q.value}"))
                     for q in QuestionType])

        async def retype(e: Any) -> None:
            chosen = QuestionType(kind.value or QuestionType.TEXT.value)
            await self.change(lambda: self.desk.set_type(path, chosen), redraw=True)

        kind.on_select = retype
        parts: list[ft.Control] = [
            self.text(t("editor.question", number=n), (*path, "text"), multiline=True),
            ft.Row([named(kind), self.remover(t("editor.remove_question", number=n), path)],
                   wrap=True),
            self.text(t("editor.help", number=n), (*path, "help"), multiline=True),
        ]
        if question.get("type") == QuestionType.SCALE.value:
            parts.append(ft.Row([self.number(t("editor.min", number=n), (*path, "min")),
                                 self.number(t("editor.max", number=n), (*path, "max"))],
                                wrap=True))
            parts.append(self.text(t("editor.low", number=n), (*path, "low")))
            parts.append(self.text(t("editor.high", number=n), (*path, "high")))
        elif question.get("type") == QuestionType.CHOICE.value:
            for k, _ in enumerate(question.get("options") or []):
                parts.append(ft.Row([
                    ft.Container(self.text(t("editor.option", number=k + 1, question=n),
                                           (*path, "options", k, "text")), expand=True),
                    self.remover(t("editor.remove_option", number=k + 1, question=n),
                                 (*path, "options", k))]))
            parts.append(self.button(t("editor.add_option", number=n), ft.Icons.ADD,
                                     lambda: self.desk.add((*path, "options"))))
        elif question.get("type") == QuestionType.COMPETENCE.value:
            parts.append(self.profile_choice(path, n, str(question.get("job_profile", ""))))
        return ft.Container(ft.Column(parts, spacing=8,
                                      horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                            padding=ft.Padding.only(top=8),
                            border=ft.Border.only(top=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)))

    def profile_choice(self, path: tuple[PathKey, ...], n: int, chosen: str) -> ft.Control:
        profiles = self.shell.session.library.job_profiles
        choice = ft.Dropdown(label=self.t("editor.job_profile", number=n), value=chosen or None,
                             options=[
            ft.DropdownOption(key=p.id, text=self.t.localize(p.title)) for p in profiles.values()])

        async def picked(e: Any) -> None:
            await self.change(lambda: self.desk.set_profile_of(path, choice.value or ""))

        choice.on_select = picked
        return named(choice)

    def team_parts(self) -> list[ft.Control]:
        t = self.t
        parts: list[ft.Control] = [heading(t("editor.wheel"))]
        for i, field in enumerate(value_at(self.doc, ("wheel",)) or []):
            n = i + 1
            rows: list[ft.Control] = [
                ft.Row([ft.Text(t("editor.wheel_field", number=n), weight=ft.FontWeight.W_500),
                        self.remover(t("editor.remove_wheel_field", number=n), ("wheel", i))],
                       alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
                self.text(t("editor.wheel_title", number=n), ("wheel", i, "title")),
            ]
            for k, _ in enumerate(field.get("prompts") or []):
                rows.append(self.text(t("editor.prompt", number=k + 1, field=n),
                                      ("wheel", i, "prompts", k)))
            rows.append(self.button(t("editor.add_prompt", number=n), ft.Icons.ADD,
                                    self.prompt_adder(i)))
            parts.append(card(rows))
        parts.append(self.button(t("editor.add_wheel_field"), ft.Icons.ADD,
                                 lambda: self.desk.add(("wheel",))))
        for key in CARD_TEXTS:
            parts += self.cards(key)
        return parts

    def prompt_adder(self, field: int) -> Callable[[], Document]:
        return lambda: self.desk.add_prompt(field)

    def cards(self, key: str) -> list[ft.Control]:
        t, said = self.t, CARD_TEXTS[key]
        texts = [name for name in said if name not in ("heading", "item", "remove", "add")]
        parts: list[ft.Control] = [heading(t(said["heading"]))]
        for i, item in enumerate(value_at(self.doc, (key,)) or []):
            n = i + 1
            rows: list[ft.Control] = [
                ft.Row([ft.Text(t(said["item"], number=n), weight=ft.FontWeight.W_500),
                        self.remover(t(said["remove"], number=n), (key, i))],
                       alignment=ft.MainAxisAlignment.SPACE_BETWEEN)]
            rows += [self.text(t(said[name], number=n), (key, i, name), multiline=True)
                     for name in texts]
            if key == "dialog_cards":
                rows.append(self.wheel_choice(i, str(item.get("field", ""))))
            if key == "exercise_cards" and not item.get("blank"):
                rows.append(self.number(t("editor.exercise_cards.minutes", number=n),
                                        (key, i, "minutes")))
            parts.append(card(rows))
        parts.append(self.button(t(said["add"]), ft.Icons.ADD,
                                 lambda: self.desk.add((key,))))
        return parts

    def wheel_choice(self, i: int, chosen: str) -> ft.Control:
        fields = value_at(self.doc, ("wheel",)) or []
        choice = ft.Dropdown(
            label=self.t("editor.dialog_cards.field", number=i + 1), value=chosen or None,
            options=[ft.DropdownOption(key=str(f.get("id")), text=self.t.localize(f.get("title"))
                                       or str(f.get("id"))) for f in fields])

        async def picked(e: Any) -> None:
            await self.change(lambda: self.desk.set_card_field(i, choice.value or ""))

        choice.on_select = picked
        return named(choice)

    def actions(self) -> list[ft.Control]:
        t, shell, desk = self.t, self.shell, self.desk

        async def publish(e: ft.Event[ft.Button]) -> None:
            with busy(e.control):
                if await attempt(shell, self.message, desk.publish):
                    shell.sync_soon()
                    await shell.go(Route.SHEETS, t("editor.published"))

        async def discard() -> None:
            await asyncio.to_thread(desk.discard)
            await shell.go(Route.SHEETS)

        async def save() -> None:
            await export(shell, f"{self.doc.get('id')}-v{self.doc.get('version')}.json",
                         desk.export_draft, self.message)

        buttons: list[ft.Control] = [
            ft.OutlinedButton(t("editor.preview"), icon=ft.Icons.VISIBILITY,
                              on_click=shell.to(Route.SHEET_PREVIEW)),
            ft.OutlinedButton(t("sheets.export"), icon=ft.Icons.DOWNLOAD, on_click=save),
            ft.OutlinedButton(t("editor.discard"), icon=ft.Icons.DELETE_OUTLINE,
                              on_click=discard),
        ]
        if desk.may_publish():
            buttons.insert(0, ft.FilledButton(t("editor.publish"), icon=ft.Icons.PUBLISH,
                                              on_click=publish))
        else:
            buttons.append(ft.Text(t("editor.hr_publishes")))
        return [self.problems, ft.Row(buttons, wrap=True, spacing=8, run_spacing=8),
                self.message]


async def show_sheet_editor(shell: Shell) -> None:
    t, desk = shell.session.texts, shell.session.library_desk

    def load() -> tuple[Document | None, list[str]]:
        doc = desk.draft()
        return doc, desk.problems() if doc is not None else []

    doc, problems = await asyncio.to_thread(load)
    if doc is None:
        await shell.go(Route.SHEETS)
        return
    editor = SheetEditor(shell, doc)
    frame = page_column(editor.build(problems))
    if isinstance(frame, ft.Container) and isinstance(frame.content, ft.Column):
        editor.body = frame.content
    shell.show(frame, back_bar(shell, t("editor.title")))


# --- as the employee will see it ----------------------------------------------------------------


async def show_sheet_preview(shell: Shell) -> None:
    t, desk = shell.session.texts, shell.session.library_desk
    try:
        sheet = await asyncio.to_thread(desk.preview)
    except InputRejected as err:
        shell.show(page_column([ft.Text(describe(err, t), color=ft.Colors.ERROR)]),
                   back_bar(shell, t("editor.preview")))
        return
    profiles = shell.session.library.job_profiles
    body: list[ft.Control] = [ft.Text(t("preview.note"), color=ft.Colors.ON_SURFACE_VARIANT),
                              heading(t.localize(sheet.title))]
    if sheet.intro:
        body.append(ft.Text(t.localize(sheet.intro)))
    number = 0
    for theme in sheet.themes:
        parts: list[ft.Control] = [heading(t.localize(theme.title))]
        if theme.guidance:
            parts.append(ft.Text(t.localize(theme.guidance), color=ft.Colors.ON_SURFACE_VARIANT))
        for question in theme.questions:
            number += 1
            parts.append(ft.Text(f"{number}. {t.localize(question.text)}",
                                 weight=ft.FontWeight.W_500))
            if question.help:
                parts.append(ft.Text(t.localize(question.help), size=12,
                                     color=ft.Colors.ON_SURFACE_VARIANT))
            if question.type is QuestionType.TEXT:
                parts.append(ft.TextField(label=t("prepare.answer_label", number=number),
                                          multiline=True, min_lines=2, read_only=True))
            elif question.type is QuestionType.SCALE:
                low, high = question.min or 1, question.max or 5
                parts.append(ft.Text(" · ".join(str(v) for v in range(low, high + 1))))
                if question.low or question.high:
                    parts.append(ft.Text(f"{t.localize(question.low)} … "
                                         f"{t.localize(question.high)}", size=12))
            elif question.type is QuestionType.CHOICE:
                parts += [ft.Text(f"○ {t.localize(o.text)}") for o in question.options]
            else:
                profile = profiles.get(question.job_profile or "")
                levels = ", ".join(t(level.text_key) for level in SCALE)
                parts.append(ft.Text(levels, size=12, color=ft.Colors.ON_SURFACE_VARIANT))
                for competence in profile.competences if profile else ():
                    parts.append(ft.Text(f"• {t.localize(competence.name)}"))
        body.append(card(parts))
    for field in sheet.wheel:
        cards = [f"• {t.localize(c.text)}" for c in sheet.dialog_cards_for(field.id)]
        body.append(card([heading(t.localize(field.title)), *(ft.Text(c) for c in cards)]))
    shell.show(page_column(body), back_bar(shell, t("preview.title"),
                                           back=shell.to(Route.SHEET_EDITOR)))


# --- the job-profile editor -------------------------------------------------------------------


async def show_profile_editor(shell: Shell) -> None:
    t, desk = shell.session.texts, shell.session.library_desk

    def load() -> tuple[Document | None, list[str]]:
        doc = desk.profile_draft()
        return doc, desk.profile_problems() if doc is not None else []

    doc, problems = await asyncio.to_thread(load)
    if doc is None:
        await shell.go(Route.SHEETS)
        return
    message = ft.Text("")
    problem_list = ft.Column([ft.Text(p, color=ft.Colors.ERROR) for p in problems], spacing=4)

    async def changed(work: Callable[[], Document], redraw: bool = False) -> None:
        if not await attempt(shell, message, work):
            return
        if redraw:
            await shell.refresh()
            return
        found = await asyncio.to_thread(desk.profile_problems)
        problem_list.controls = [ft.Text(p, color=ft.Colors.ERROR) for p in found]
        problem_list.update()

    def text(label: str, path: tuple[PathKey, ...], multiline: bool = False) -> ft.TextField:
        current = value_at(doc, path)
        shown = current.get(t.lang, "") if isinstance(current, dict) else ""
        field = ft.TextField(label=label, value=shown, multiline=multiline, max_lines=4,
                             hint_text=(current or {}).get("da") if not shown else None)

        async def left(e: Any) -> None:
            await changed(lambda: desk.set_profile_text(path, field.value or ""))

        field.on_blur = left
        field.on_submit = left
        return field

    def button(label: str, icon: ft.IconData, work: Callable[[], Document]) -> ft.Control:
        async def click() -> None:
            await changed(work, redraw=True)

        return ft.OutlinedButton(label, icon=icon, on_click=click)

    body: list[ft.Control] = [problem_list, text(t("profile.title_field"), ("title",))]
    competences = doc.get("competences") or []
    groups: dict[str, list[int]] = {}
    for i, competence in enumerate(competences):
        groups.setdefault(t.localize(competence.get("group")) or "", []).append(i)
    for group, members in groups.items():
        body.append(heading(group or t("profile.no_group")))
        for i in members:
            body.append(competence_card(shell, doc, i, text=text, button=button,
                                        changed=changed))
    body.append(button(t("profile.add_competence"), ft.Icons.ADD, desk.add_competence))
    body.append(await assignments(shell, str(doc.get("id", "")), message))

    async def publish(e: ft.Event[ft.Button]) -> None:
        with busy(e.control):
            if await attempt(shell, message, desk.publish_profile):
                shell.sync_soon()
                await shell.go(Route.SHEETS, t("profile.published"))

    body += [ft.FilledButton(t("profile.publish"), icon=ft.Icons.PUBLISH, on_click=publish),
             message]
    shell.show(page_column(body), back_bar(shell, t("profile.editor_title")))


def competence_card(
    shell: Shell, doc: Document, i: int, *,
    text: Callable[..., ft.TextField],
    button: Callable[[str, ft.IconData, Callable[[], Document]], ft.Control],
    changed: Callable[..., Awaitable[None]],
) -> ft.Control:
    t, desk, n = shell.session.texts, shell.session.library_desk, i + 1
    competence = doc["competences"][i]
    level = ft.Dropdown(
        label=t("profile.expected", number=n), value=str(competence.get("expected", 3)),
        options=[ft.DropdownOption(key=str(int(v)), text=t(v.text_key)) for v in SCALE
                 if v is not Level.NOT_RELEVANT])

    async def picked(e: Any) -> None:
        chosen = Level(int(level.value or Level.COMPETENT))
        await changed(lambda: desk.set_expected(i, chosen))

    level.on_select = picked

    async def drop() -> None:
        await changed(lambda: desk.remove_competence(i), redraw=True)

    parts: list[ft.Control] = [
        ft.Row([ft.Text(t("profile.competence", number=n), weight=ft.FontWeight.W_500),
                ft.TextButton(t("profile.remove_competence", number=n),
                              icon=ft.Icons.DELETE_OUTLINE, on_click=drop)],
               alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
        text(t("profile.name", number=n), ("competences", i, "name")),
        text(t("profile.description", number=n), ("competences", i, "description"), True),
        text(t("profile.group", number=n), ("competences", i, "group")),
        named(level),
    ]
    for k, _ in enumerate(competence.get("goals") or []):
        async def drop_goal(e: Any, k: int = k) -> None:
            await changed(lambda: desk.remove_goal(i, k), redraw=True)

        parts.append(ft.Row([
            ft.Container(text(t("profile.goal", number=k + 1, competence=n),
                              ("competences", i, "goals", k)), expand=True),
            ft.TextButton(t("profile.remove_goal", number=k + 1, competence=n),
                          icon=ft.Icons.DELETE_OUTLINE, on_click=drop_goal)], wrap=True))
    parts.append(button(t("profile.add_goal", number=n), ft.Icons.FLAG,
                        lambda: desk.add_goal(i)))
    return card(parts)


async def assignments(shell: Shell, profile_id: str, message: ft.Text) -> ft.Control:
    """Who holds this job: a switch per person, signed into the directory by HR."""
    t, desk = shell.session.texts, shell.session.library_desk
    people = await asyncio.to_thread(desk.people)
    rows: list[ft.Control] = [heading(t("profile.people"))]
    for member in people:
        async def toggled(e: ft.Event[ft.Checkbox], person_id: str = member.id) -> None:
            chosen = profile_id if e.control.value else None
            if not await attempt(shell, message, lambda: desk.assign(person_id, chosen)):
                e.control.value = not e.control.value
                e.control.update()

        rows.append(ft.Checkbox(label=t("profile.holds", name=member.name),
                                value=member.job_profile == profile_id, on_change=toggled))
    return ft.Column(rows, spacing=0)
