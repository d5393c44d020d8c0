"""Holding a team conversation (GRUS, TUS): ground rules, the conversation wheel with
its dialog cards (drawn as a wheel on a tablet, ``views.wheel``; a list on a phone),
exercise cards, the team development plan, and the timed summary."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import flet as ft

from conversations.model import InputRejected, Kind
from conversations.team import Card, exercise_cards, ground_rules, summary_timer
from services.meeting import Meeting
from storage import StorageError
from views.common import Debouncer, describe, icon_button, named, page_column, said, when
from views.shell import Route
from views.wheel import WheelBoard, fits
from views.widgets import back_bar, parse_date, save_meeting

if TYPE_CHECKING:
    from views.shell import Shell

SECTIONS = ("rules", "wheel", "exercises", "plan", "summary")
BLANK_NOTE = "exercise.blank"
SUMMARY_NOTE = "summary"


class TeamScreen:
    def __init__(self, shell: Shell, meeting: Meeting) -> None:
        self.shell = shell
        self.session = shell.session
        self.meetings = shell.session.meetings
        self.t = shell.session.texts
        self.meeting = meeting
        self.names = self.meetings.names(meeting.conversation)
        self.section = 0
        self.drawn: Card | None = None
        self.status = ft.Text("", tooltip=self.t("prepare.save_status"))
        self.message = ft.Text("")
        self.saver = Debouncer(self.save)
        self.timer_started: float | None = None
        self.timer_text = ft.Text("", size=40, weight=ft.FontWeight.BOLD)
        self._ticker: asyncio.Task[None] | None = None
        self.board = WheelBoard(shell, meeting, self.board_changed)

    @property
    def cid(self) -> str:
        return self.meeting.cid

    async def save(self) -> None:
        await save_meeting(self.shell, self.meeting, self.status)

    def fail(self, err: Exception) -> None:
        self.message.value, self.message.color = describe(err, self.t), ft.Colors.ERROR

    # --- sections ------------------------------------------------------------------------

    def rules(self) -> list[ft.Control]:
        t = self.t
        rules = ground_rules(self.meeting.sheet, t.lang)
        return [
            ft.Text(t("team.rules_help")),
            *[ft.ListTile(leading=ft.CircleAvatar(content=ft.Text(str(n)), radius=14),
                          title=ft.Text(rule)) for n, rule in enumerate(rules, 1)],
        ]

    async def board_changed(self) -> None:
        await self.saver.flush()
        self.render()

    def wheel(self) -> list[ft.Control]:
        """The wheel drawn where it fits (a tablet); on a phone, its fields as a list."""
        if self.meeting.sheet.wheel and fits(self.shell.page.width):
            return self.board.controls()
        t = self.t
        sheet = self.meeting.sheet
        deck = self.meetings.deck(self.meeting)
        done = set(self.meeting.minutes.done_cards)
        parts: list[ft.Control] = [
            ft.Text(t("team.cards_done", done=len(done & {c.id for c in deck}), total=len(deck))),
        ]
        if self.drawn is not None:
            card = self.drawn
            field = sheet.wheel_field(card.field_id) if card.field_id else None
            finished = card.id in done
            label = t("team.card_done")
            parts.append(ft.Card(ft.Container(ft.Column([
                ft.Text(t.localize(field.title) if field else t("team.from_answers")
                        if card.from_answers else "", size=12, color=ft.Colors.PRIMARY),
                ft.Text(card.text, size=20, weight=ft.FontWeight.W_500),
                ft.Text(t("team.anonymous") if card.from_answers else "", size=12,
                        color=ft.Colors.ON_SURFACE_VARIANT),
                ft.FilledButton(said(t("team.card_is_done") if finished else label, label),
                                icon=ft.Icons.CHECK, disabled=finished,
                                on_click=self.mark_done),
            ], spacing=8), padding=16), bgcolor=ft.Colors.TERTIARY_CONTAINER))
        parts.append(ft.FilledButton(t("team.draw"), icon=ft.Icons.STYLE,
                                     on_click=self.drawer(None)))
        for field in sheet.wheel:
            prompts = [ft.Text(f"• {t.localize(p)}", size=13) for p in field.prompts]
            left = [c for c in deck if c.field_id == field.id and c.id not in done]
            label = t("team.draw_from", field=t.localize(field.title))
            parts.append(ft.Card(ft.Container(ft.Column([
                ft.Text(t.localize(field.title), weight=ft.FontWeight.W_600, size=16),
                *prompts,
                # The button says which field it draws from: three "Træk herfra" on one
                # screen could not be told apart by a screen reader.
                ft.Row([ft.Text(t("team.cards_left", count=len(left)), size=12),
                        ft.TextButton(label, icon=ft.Icons.STYLE,
                                      on_click=self.drawer(field.id), disabled=not left)],
                       alignment=ft.MainAxisAlignment.SPACE_BETWEEN, wrap=True),
            ], spacing=4), padding=12)))
        return parts

    def drawer(self, field_id: str | None) -> Any:
        async def draw() -> None:
            self.drawn = self.meetings.draw(self.cid, field_id)
            if self.drawn is None:
                self.message.value, self.message.color = self.t("team.all_done"), None
            self.render()

        return draw

    async def mark_done(self) -> None:
        if self.drawn is None:
            return
        self.meetings.card_done(self.cid, self.drawn.id)
        await self.saver.flush()
        self.render()

    def exercises(self) -> list[ft.Control]:
        t = self.t
        parts: list[ft.Control] = [ft.Text(t("team.exercises_help"))]
        for card_id, title, instructions, minutes in exercise_cards(self.meeting.sheet, t.lang):
            if card_id == "blank" or not instructions:
                note = ft.TextField(label=t("team.blank_card"), multiline=True, min_lines=3,
                                    value=self.meeting.minutes.notes.get(BLANK_NOTE, ""))
                note.on_change = self.noter(BLANK_NOTE, note)
                parts.append(ft.Card(ft.Container(ft.Column([
                    ft.Text(title or t("team.blank_title"), weight=ft.FontWeight.W_600),
                    note], spacing=6), padding=12)))
                continue
            subtitle = t("team.minutes", minutes=minutes) if minutes else ""
            parts.append(ft.ExpansionTile(
                title=ft.Text(title), subtitle=ft.Text(subtitle) if subtitle else None,
                controls=[ft.Container(ft.Text(instructions),
                                       padding=ft.Padding.only(left=16, right=16, bottom=12))],
            ))
        return parts

    def noter(self, key: str, field: ft.TextField) -> Any:
        def changed(e: Any) -> None:
            try:
                self.meetings.set_note(self.cid, key, field.value or "")
            except InputRejected as err:
                field.error = describe(err, self.t)
                field.update()
                return
            if field.error:
                field.error = None
                field.update()
            self.saver.poke()

        return changed

    def plan(self) -> list[ft.Control]:
        t = self.t
        plan = self.meeting.plan
        people = [self.meeting.conversation.leader_id, *self.meeting.conversation.participant_ids]
        parts: list[ft.Control] = [ft.Text(t("team.plan_help"))]
        for long_term, key in ((False, "team.short_term"), (True, "team.long_term")):
            parts.append(ft.Text(t(key), weight=ft.FontWeight.W_600, size=16))
            actions = [a for a in (plan.actions if plan else ()) if a.long_term is long_term]
            if not actions:
                parts.append(ft.Text(t("team.no_actions"), color=ft.Colors.ON_SURFACE_VARIANT))
            for action in actions:
                async def remove(e: Any, action_id: str = action.id) -> None:
                    self.meetings.remove_action(self.cid, action_id)
                    await self.saver.flush()
                    self.render()

                parts.append(ft.ListTile(
                    title=ft.Text(action.what),
                    subtitle=ft.Text(" · ".join(x for x in (
                        self.names.get(action.responsible_id, ""),
                        when(action.deadline, t)) if x)),
                    trailing=icon_button(ft.Icons.DELETE_OUTLINE,
                                         t("team.remove_action", what=action.what),
                                         on_click=remove)))
        what = ft.TextField(label=t("team.action_what"), multiline=True, min_lines=2)
        term = ft.Switch(label=t("team.action_long_term"), value=False)
        responsible = ft.Dropdown(
            label=t("team.action_responsible"), value=people[0],
            options=[ft.DropdownOption(key=p, text=self.names.get(p, "?")) for p in people])
        deadline = ft.TextField(label=t("team.action_deadline"), hint_text=t("new.date_hint"))
        add_message = ft.Text("", color=ft.Colors.ERROR)

        async def add() -> None:
            try:
                self.meetings.add_action(
                    self.cid, what.value or "", long_term=bool(term.value),
                    responsible_id=responsible.value or "",
                    deadline=parse_date(deadline.value or ""))
            except InputRejected as err:
                add_message.value = describe(err, t)
                add_message.update()
                return
            await self.saver.flush()
            self.render()

        parts += [ft.Divider(), ft.Text(t("team.new_action"), weight=ft.FontWeight.W_600),
                  what, term, named(responsible), deadline,
                  ft.FilledButton(t("team.add_action"), icon=ft.Icons.ADD, on_click=add),
                  add_message]
        if self.meeting.conversation.kind is Kind.GRUS:
            parts += self.member_goals()
        return parts

    def member_goals(self) -> list[ft.Control]:
        t = self.t
        plan = self.meeting.plan
        parts: list[ft.Control] = [ft.Divider(), ft.Text(t("team.member_goals"),
                                                         weight=ft.FontWeight.W_600, size=16),
                                   ft.Text(t("team.member_goals_help"))]
        for member in self.meeting.conversation.participant_ids:
            name = self.names.get(member, "?")
            goals = plan.member_goals.get(member, ()) if plan else ()
            parts.append(ft.Text(name, weight=ft.FontWeight.W_500))
            for goal in goals:
                async def approve(e: Any, member_id: str = member, goal_id: str = goal.id) -> None:
                    try:
                        self.meetings.approve_goal(self.cid, member_id, goal_id)
                    except InputRejected as err:
                        self.fail(err)
                    await self.saver.flush()
                    self.render()

                label = t("team.approve", name=name)
                parts.append(ft.ListTile(
                    title=ft.Text(goal.what),
                    subtitle=ft.Text(t("team.approved") if goal.approved_by_leader
                                     else t("team.not_approved")),
                    trailing=None if goal.approved_by_leader else ft.TextButton(
                        said(t("team.approve_short"), label), on_click=approve)))
            what = ft.TextField(label=t("team.member_goal", name=name))
            deadline = ft.TextField(label=t("team.member_deadline", name=name),
                                    hint_text=t("new.date_hint"))

            async def add(e: Any, member_id: str = member, what: ft.TextField = what,
                          deadline: ft.TextField = deadline) -> None:
                try:
                    self.meetings.add_member_goal(self.cid, member_id, what.value or "",
                                                  parse_date(deadline.value or ""))
                except InputRejected as err:
                    what.error = describe(err, self.t)
                    what.update()
                    return
                await self.saver.flush()
                self.render()

            parts += [what, deadline, ft.OutlinedButton(
                said(t("team.add_member_goal"), t("team.add_goal_for", name=name)),
                icon=ft.Icons.ADD, on_click=add)]
        return parts

    def summary(self) -> list[ft.Control]:
        t = self.t
        timer = summary_timer(self.meeting.sheet, self.timer_started or time.monotonic())
        self.timer_text.value = timer.label(time.monotonic()) if self.timer_started else \
            timer.label(timer.started_at)
        note = ft.TextField(label=t("team.summary_notes"), multiline=True, min_lines=5,
                            value=self.meeting.minutes.notes.get(SUMMARY_NOTE, ""))
        note.on_change = self.noter(SUMMARY_NOTE, note)
        start = ft.OutlinedButton(t("team.start_timer", minutes=timer.minutes),
                                  icon=ft.Icons.TIMER, on_click=self.start_timer)
        finish = ft.FilledButton(t("hold.finish"), icon=ft.Icons.CHECK)

        async def done() -> None:
            with_button = finish
            with_button.disabled = True
            await self.saver.flush()
            try:
                planned = await asyncio.to_thread(self.meetings.finish_team, self.cid)
            except (InputRejected, StorageError) as err:
                self.fail(err)
                with_button.disabled = False
                self.render()
                return
            self.stop_timer()
            self.shell.sync_soon()
            notice = t("team.follow_ups_planned", count=len(planned)) if planned else \
                t("hold.finished")
            await self.shell.go(Route.CONVERSATION, self.cid, notice)

        finish.on_click = done
        return [ft.Text(t("team.summary_help", minutes=timer.minutes)),
                ft.Text(t("team.timer_label"), size=12), self.timer_text,
                start, note, finish]

    async def start_timer(self) -> None:
        self.timer_started = time.monotonic()
        self.stop_timer()
        self._ticker = asyncio.get_running_loop().create_task(self.tick())

    def stop_timer(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    async def tick(self) -> None:
        timer = summary_timer(self.meeting.sheet, self.timer_started or time.monotonic())
        while self.timer_text.page is not None:
            now = time.monotonic()
            self.timer_text.value = timer.label(now)
            self.timer_text.color = ft.Colors.ERROR if timer.expired(now) else None
            self.timer_text.update()
            if timer.expired(now):
                return
            await asyncio.sleep(1)

    # --- the screen ----------------------------------------------------------------------

    async def goto(self, section: int) -> None:
        await self.saver.flush()
        self.section = max(0, min(section, len(SECTIONS) - 1))
        self.message.value = ""
        self.render()

    async def back(self) -> None:
        self.stop_timer()
        await self.saver.flush()
        await self.shell.go(Route.CONVERSATION, self.cid, "")

    def render(self) -> None:
        t = self.t
        name = SECTIONS[self.section]
        tabs: list[ft.Control] = []
        for index, key in enumerate(SECTIONS):
            async def go(e: Any, index: int = index) -> None:
                await self.goto(index)

            label = t(f"team.section.{key}")
            tabs.append(ft.Chip(label=ft.Text(label), selected=index == self.section,
                                on_select=go, show_checkmark=False))
        content = {"rules": self.rules, "wheel": self.wheel, "exercises": self.exercises,
                   "plan": self.plan, "summary": self.summary}[name]()
        body: list[ft.Control] = [
            ft.Row(tabs, wrap=True, spacing=6, run_spacing=6),
            ft.Text(t(f"team.section.{name}"), theme_style=ft.TextThemeStyle.TITLE_LARGE),
            self.status, *content, self.message,
        ]
        kind = t(f"kind.long.{self.meeting.conversation.kind.value}")
        self.shell.show(page_column(body), back_bar(self.shell, kind, self.back))


async def show_team(shell: Shell, meeting: Meeting) -> None:
    TeamScreen(shell, meeting).render()
