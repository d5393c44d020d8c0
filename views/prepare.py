"""Preparing a conversation: the sheet's themes as steps, answers autosaved."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from conversations.competence import SCALE, Level
from conversations.model import InputRejected
from conversations.sheets import Question, QuestionType, Theme
from services.session import Draft
from storage import StorageError
from views.common import WIDE, Debouncer, clock_time, describe, icon_button, page_column

if TYPE_CHECKING:
    from views.shell import Shell


async def save_open_drafts(shell: Shell) -> None:
    """Saves every open draft, open conversation, and the home screen's progress."""
    for conversation_id in list(shell.session.drafts):
        await asyncio.to_thread(shell.session.close_draft, conversation_id)
    meetings = shell.session.meetings
    for conversation_id in list(meetings.open):
        await asyncio.to_thread(meetings.close, conversation_id)


class PrepareScreen:
    def __init__(self, shell: Shell, draft: Draft) -> None:
        self.shell = shell
        self.session = shell.session
        self.t = shell.session.texts
        self.draft = draft
        self.cid = draft.conversation.id
        self.step = 0
        self.status = ft.Text("", tooltip=self.t("prepare.save_status"))
        self.progress = ft.ProgressBar(value=0, semantics_label=self.t("prepare.progress_label"))
        self.progress_text = ft.Text("")
        self.saver = Debouncer(self.save)

    @property
    def themes(self) -> tuple[Theme, ...]:
        return self.draft.sheet.themes

    # --- saving ------------------------------------------------------------------

    async def save(self) -> None:
        if not self.draft.dirty:
            return
        self.status.value, self.status.color = self.t("prepare.saving"), None
        self.status.update()
        try:
            saved = await asyncio.to_thread(self.session.persist, self.cid)
        except StorageError as err:
            self.failed(err)
            return
        if not saved:
            self.failed(InputRejected("error.vault_locked"))
            return
        if not self.draft.dirty:
            self.status.value = self.t("prepare.saved", time=clock_time(self.session.clock.now(),
                                                                        self.t))
            self.status.color = ft.Colors.PRIMARY
        self.status.update()

    def failed(self, err: Exception) -> None:
        self.status.value = self.t("prepare.save_failed", reason=describe(err, self.t))
        self.status.color = ft.Colors.ERROR
        self.status.update()

    def _show_progress(self) -> None:
        answered, total = self.draft.answered, len(self.draft.items)
        self.progress.value = answered / total if total else 0
        self.progress_text.value = self.t("home.progress", answered=answered, total=total)

    def edited(self) -> None:
        self._show_progress()
        self.progress.update()
        self.progress_text.update()

    # --- controls for each kind of question -----------------------------------------

    def number(self, question: Question) -> int:
        return self.draft.sheet.all_questions().index(question) + 1

    def question_control(self, question: Question) -> ft.Control:
        text = f"{self.number(question)}. {self.t.localize(question.text)}"
        help_text = self.t.localize(question.help) if question.help else None
        if question.type is QuestionType.TEXT:
            return self.text_question(question, text, help_text)
        if question.type is QuestionType.COMPETENCE:
            return self.competence_question(question, text)
        return self.choice_question(question, text, help_text)

    def text_question(self, question: Question, text: str, help_text: str | None) -> ft.Control:
        field = ft.TextField(
            label=self.t("prepare.answer_label", number=self.number(question)),
            hint_text=self.t("prepare.answer_hint"),
            value=self.draft.preparation.answers.get(question.id, ""),
            multiline=True,
            min_lines=3,
            max_lines=12,
            helper=help_text,
            helper_max_lines=4,
        )

        def changed(e: ft.Event[ft.TextField]) -> None:
            try:
                self.session.set_answer(self.cid, question.id, field.value or "")
            except InputRejected as err:
                field.error = describe(err, self.t)
                return
            if field.error:
                field.error = None
                field.update()
            self.edited()
            self.saver.poke()

        async def left(e: ft.Event[ft.TextField]) -> None:
            await self.saver.flush()

        field.on_change = changed
        field.on_blur = left
        # A long question as the label would float over the first line of the answer;
        # the numbered question stays readable above and the label names its number.
        return stretched([ft.Text(text, weight=ft.FontWeight.W_500), field])

    def choice_question(self, question: Question, text: str, help_text: str | None) -> ft.Control:
        if question.type is QuestionType.SCALE:
            low = 1 if question.min is None else question.min
            high = 5 if question.max is None else question.max
            options = [(str(n), str(n)) for n in range(low, high + 1)]
            ends = ft.Row(
                [ft.Text(self.t.localize(question.low), size=12),
                 ft.Text(self.t.localize(question.high), size=12)],
                alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            )
        else:
            options = [(o.id, self.t.localize(o.text)) for o in question.options]
            ends = None
        group = self.radio_group(
            options,
            self.draft.preparation.answers.get(question.id),
            lambda value: self.session.set_answer(self.cid, question.id, value),
            horizontal=question.type is QuestionType.SCALE,
            named=self.t("prepare.question", number=self.number(question)),
        )
        parts: list[ft.Control] = [ft.Text(text, weight=ft.FontWeight.W_500)]
        if help_text:
            parts.append(ft.Text(help_text, size=12, color=ft.Colors.ON_SURFACE_VARIANT))
        parts.append(group)
        if ends is not None:
            parts.append(ends)
        return stretched(parts)

    def competence_question(self, question: Question, text: str) -> ft.Control:
        profile = self.session.job_profile(question.job_profile)
        parts: list[ft.Control] = [
            ft.Text(text, weight=ft.FontWeight.W_500),
            ft.Text(self.t("prepare.scale_help"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
        ]
        if profile is None:
            parts.append(ft.Text(self.t("prepare.no_profile"), color=ft.Colors.ERROR))
            return stretched(parts)
        levels = [(str(int(level)), self.t(level.text_key)) for level in SCALE]
        for competence in profile.competences:
            rated = self.draft.preparation.ratings.get(competence.id)
            parts.append(
                ft.Container(
                    stretched(
                        [
                            ft.Text(self.t.localize(competence.name), weight=ft.FontWeight.W_500),
                            ft.Text(self.t.localize(competence.description), size=12,
                                    color=ft.Colors.ON_SURFACE_VARIANT),
                            self.scale_chips(
                                levels,
                                None if rated is None else str(int(rated)),
                                self._rate(competence.id),
                                named=self.t.localize(competence.name),
                            ),
                        ],
                    ),
                    padding=ft.Padding.symmetric(vertical=8),
                    border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
                )
            )
        return stretched(parts)

    def _rate(self, competence_id: str) -> Callable[[str], None]:
        def rate(value: str) -> None:
            self.session.set_rating(self.cid, competence_id, Level(int(value)))

        return rate

    def radio_group(
        self,
        options: list[tuple[str, str]],
        value: str | None,
        apply: Callable[[str], None],
        *,
        horizontal: bool,
        named: str = "",
    ) -> ft.Control:
        """One choice among options: chips that wrap for short steps on a scale,
        radio buttons under each other for choices written as sentences."""
        if horizontal:
            return self.scale_chips(options, value, apply, named=named)
        radios: list[ft.Control] = [ft.Radio(value=v, label=label) for v, label in options]

        async def changed(e: ft.Event[ft.RadioGroup]) -> None:
            if e.control.value is None:
                return
            try:
                apply(e.control.value)
            except InputRejected as err:
                self.failed(err)
                return
            self.edited()
            await self.saver.flush()

        return ft.RadioGroup(ft.Column(radios, spacing=0), value=value, on_change=changed)

    def scale_chips(
        self, options: list[tuple[str, str]], value: str | None, apply: Callable[[str], None],
        *, named: str = "",
    ) -> ft.Control:
        """One step on a scale. Each chip is named with what the scale belongs to
        ("Rehabilitering: Nybegynder"), so a screen reader tells the same step of
        fourteen competences apart."""
        chips: list[ft.Chip] = []

        def chooser(option: str) -> Callable[[], Awaitable[None]]:
            async def choose() -> None:
                try:
                    apply(option)
                except InputRejected as err:
                    self.failed(err)
                    return
                for chip in chips:
                    chip.selected = chip.data == option
                self.edited()
                row.update()
                await self.saver.flush()

            return choose

        for option, label in options:
            chips.append(
                ft.Chip(
                    label=ft.Text(label, semantics_label=self.t(
                        "prepare.level_of", competence=named, level=label) if named else None),
                    data=option,
                    selected=option == value,
                    show_checkmark=True,
                    on_select=chooser(option),
                )
            )
        row = ft.Row(list[ft.Control](chips), wrap=True, spacing=6, run_spacing=6)
        return row

    # --- the screen ---------------------------------------------------------------

    def steps(self) -> list[str]:
        return [self.t.localize(theme.title) for theme in self.themes] + [self.t("prepare.finish")]

    async def goto(self, step: int) -> None:
        await self.saver.flush()
        self.step = max(0, min(step, len(self.themes)))
        self.render()

    async def previous(self) -> None:
        await self.goto(self.step - 1)

    async def next(self) -> None:
        await self.goto(self.step + 1)

    async def back_home(self) -> None:
        await self.saver.flush()
        try:
            await asyncio.to_thread(self.session.close_draft, self.cid)
        except (StorageError, InputRejected) as err:
            self.failed(err)
            return
        await self.shell.home()

    def render(self) -> None:
        t = self.t
        steps = self.steps()
        self._show_progress()
        header = ft.Column(
            [
                ft.Text(t("prepare.step", number=self.step + 1, total=len(steps),
                          title=steps[self.step]),
                        theme_style=ft.TextThemeStyle.TITLE_LARGE),
                self.progress,
                ft.Row([self.progress_text, self.status],
                       alignment=ft.MainAxisAlignment.SPACE_BETWEEN, wrap=True),
            ],
            spacing=6,
        )
        body: list[ft.Control] = [header]
        if self.step < len(self.themes):
            body.extend(self.theme_body(self.themes[self.step]))
        else:
            body.extend(self.finish_body())
        body.append(self.step_buttons())
        content: ft.Control = page_column(body)
        width = self.shell.page.width or 0
        if width >= WIDE:
            content = ft.Row(
                [self.step_list(steps), ft.VerticalDivider(width=1), content],
                vertical_alignment=ft.CrossAxisAlignment.START,
                expand=True,
            )
        kind = t(f"kind.{self.draft.conversation.kind.value}")
        self.shell.show(
            content,
            ft.AppBar(
                leading=icon_button(ft.Icons.ARROW_BACK, t("prepare.back_home"),
                                    on_click=self.back_home),
                title=ft.Text(t("prepare.title", kind=kind)),
            ),
        )

    def step_list(self, steps: list[str]) -> ft.Control:
        tiles: list[ft.Control] = []
        for index, title in enumerate(steps):
            async def go(e: Any, index: int = index) -> None:
                await self.goto(index)

            tiles.append(
                ft.ListTile(
                    leading=ft.CircleAvatar(content=ft.Text(str(index + 1)), radius=14),
                    title=ft.Text(title),
                    selected=index == self.step,
                    on_click=go,
                    tooltip=self.t("prepare.go_to_step", title=title),
                )
            )
        return ft.Container(ft.Column(tiles, scroll=ft.ScrollMode.AUTO), width=260,
                            padding=ft.Padding.only(top=12))

    def theme_body(self, theme: Theme) -> list[ft.Control]:
        parts: list[ft.Control] = []
        if self.step == 0 and self.draft.sheet.intro:
            parts.append(ft.Text(self.t.localize(self.draft.sheet.intro)))
        if theme.guidance:
            parts.append(
                ft.Container(
                    ft.Text(self.t.localize(theme.guidance)),
                    padding=12,
                    border_radius=ft.BorderRadius.all(8),
                    bgcolor=ft.Colors.SECONDARY_CONTAINER,
                )
            )
        parts.extend(self.question_control(q) for q in theme.questions)
        return parts

    def finish_body(self) -> list[ft.Control]:
        t = self.t
        answered, total = self.draft.answered, len(self.draft.items)

        state = ft.Text(self.t(self.session.preparation_state(self.cid)),
                        color=ft.Colors.ON_SURFACE_VARIANT)

        async def shared(e: ft.Event[ft.Switch]) -> None:
            try:
                self.session.set_shared(self.cid, bool(e.control.value))
            except InputRejected as err:
                self.failed(err)
                return
            await self.saver.flush()
            state.value = self.t(await asyncio.to_thread(self.session.preparation_state,
                                                         self.cid))
            state.update()

        leader = self.session.person_name(self.draft.conversation.leader_id)
        return [
            ft.Text(t("prepare.summary", answered=answered, total=total)),
            ft.Text(t("prepare.private")),
            ft.Switch(
                label=t("prepare.share_with", name=leader or t("prepare.your_leader")),
                value=self.draft.preparation.shared_with_leader,
                on_change=shared,
            ),
            state,
            ft.FilledButton(t("prepare.done"), icon=ft.Icons.CHECK, on_click=self.back_home),
        ]

    def step_buttons(self) -> ft.Control:
        t = self.t
        buttons: list[ft.Control] = []
        if self.step > 0:
            buttons.append(ft.OutlinedButton(t("prepare.previous"), icon=ft.Icons.ARROW_BACK,
                                             on_click=self.previous))
        if self.step < len(self.themes):
            buttons.append(ft.FilledButton(t("prepare.next"), icon=ft.Icons.ARROW_FORWARD,
                                           on_click=self.next))
        return ft.Row(buttons, alignment=ft.MainAxisAlignment.SPACE_BETWEEN)


def stretched(controls: list[ft.Control]) -> ft.Column:
    """A question's parts, as wide as the page so fields and scales are not squeezed."""
    return ft.Column(controls, spacing=6,
                     horizontal_alignment=ft.CrossAxisAlignment.STRETCH)


async def show_prepare(shell: Shell, conversation_id: str) -> None:
    try:
        draft = await asyncio.to_thread(shell.session.open_draft, conversation_id)
    except (InputRejected, StorageError) as err:
        await shell.home(notice=describe(err, shell.session.texts))
        return
    PrepareScreen(shell, draft).render()
