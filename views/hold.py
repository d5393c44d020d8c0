"""Holding a conversation on a tablet, offline: per theme what the participant shared
beside the leader's own preparation, minutes per theme, and the agreement builder."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING, Any

import flet as ft

from conversations.competence import Level
from conversations.courses import Course, pick_into_goal
from conversations.model import Goal, GoalStatus, InputRejected, PracticeField
from conversations.sheets import Question, QuestionType, Theme
from services.meeting import Meeting, new_goal
from storage import StorageError
from views.common import WIDE, Debouncer, describe, icon_button, named, page_column, when
from views.shell import Route
from views.widgets import back_bar, opened, parse_date, save_meeting

if TYPE_CHECKING:
    from views.shell import Shell


class GoalRow:
    """One goal in the builder: what, theme, practice field, responsible, by when."""

    def __init__(self, screen: HoldScreen, goal: Goal | None, number: int) -> None:
        t = screen.t
        meeting = screen.meeting
        names = screen.names
        self.id = goal.id if goal else ""
        self.status = goal.status if goal else GoalStatus.OPEN
        self.what = ft.TextField(label=t("goal.what", number=number), multiline=True,
                                 min_lines=2, max_lines=6, value=goal.what if goal else "")
        # A new goal starts with no theme and no practice field: saving asks for both,
        # so nothing is signed that nobody chose. On a phone each field has the full
        # width, so the chosen value is never cut off.
        half: dict[str | ft.ResponsiveRowBreakpoint, int | float] = {"xs": 12, "sm": 6}
        self.theme = ft.Dropdown(
            label=t("goal.theme_of", number=number), value=goal.theme_id if goal else None,
            hint_text=t("goal.choose"), col=half, expand=True,
            options=[ft.DropdownOption(key=th.id, text=t.localize(th.title))
                     for th in meeting.sheet.themes])
        chosen_field = goal.practice_field if goal else None
        self.field = ft.Dropdown(
            label=t("goal.practice_field_of", number=number),
            value=chosen_field.value if chosen_field else None,
            hint_text=t("goal.choose"), col=half, expand=True,
            options=[ft.DropdownOption(key=p.value, text=t(f"doc.practice.{p.value}"))
                     for p in PracticeField])
        default_responsible = meeting.conversation.participant_ids[0]
        self.responsible = ft.Dropdown(
            label=t("goal.responsible_of", number=number),
            value=goal.responsible_id if goal and goal.responsible_id else default_responsible,
            options=[ft.DropdownOption(key=p, text=names.get(p, "?")) for p in meeting.parties],
            col=half, expand=True)
        self.deadline = ft.TextField(
            label=t("goal.deadline", number=number), hint_text=t("new.date_hint"),
            value=goal.deadline.strftime("%d-%m-%Y") if goal and goal.deadline else "",
            col=half)
        self.approved = ft.Checkbox(label=t("goal.approved", number=number),
                                    value=goal.approved_by_leader if goal else False)
        self.removed = False
        picker: list[ft.Control] = []
        if screen.courses:
            self.course = ft.Dropdown(
                label=t("goal.course", number=number), value=None,
                options=[ft.DropdownOption(key=c.id, text=c.title) for c in screen.courses],
                on_select=self.pick_course)
            picker.append(named(self.course))
        self.control = ft.Card(ft.Container(ft.Column([
            *picker,
            self.what,
            ft.ResponsiveRow([named(self.theme), named(self.field)], spacing=8, run_spacing=8),
            ft.ResponsiveRow([named(self.responsible), self.deadline], spacing=8, run_spacing=8),
            ft.Row([self.approved, icon_button(
                ft.Icons.DELETE_OUTLINE, t("goal.remove", number=number),
                on_click=self.remove)], alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
        ], spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH), padding=12))
        self.screen = screen

    async def pick_course(self, e: Any) -> None:
        """A course from the catalogue becomes the goal: its title, practice field
        course, and its first date as the deadline when none is set."""
        course = next((c for c in self.screen.courses if c.id == self.course.value), None)
        if course is None:
            return
        try:
            current = self.goal()
        except InputRejected:
            current = new_goal(self.theme.value or "", self.what.value or "")
        picked = pick_into_goal(course, current)
        self.what.value = picked.what
        self.field.value = PracticeField.COURSE.value
        if picked.deadline is not None:
            self.deadline.value = picked.deadline.strftime("%d-%m-%Y")
        self.control.update()

    async def remove(self) -> None:
        self.removed = True
        self.control.visible = False

    def goal(self) -> Goal:
        deadline: dt.date | None = parse_date(self.deadline.value or "")
        fields: dict[str, Any] = {
            "practice_field": PracticeField(self.field.value) if self.field.value else None,
            "responsible_id": self.responsible.value or "",
            "deadline": deadline,
            "approved_by_leader": bool(self.approved.value),
            "status": self.status,
        }
        if self.id:
            return Goal(id=self.id, theme_id=self.theme.value or "", what=self.what.value or "",
                        **fields)
        goal = new_goal(self.theme.value or "", self.what.value or "", **fields)
        self.id = goal.id
        return goal


class HoldScreen:
    def __init__(self, shell: Shell, meeting: Meeting) -> None:
        self.shell = shell
        self.session = shell.session
        self.meetings = shell.session.meetings
        self.t = shell.session.texts
        self.meeting = meeting
        self.names = self.meetings.names(meeting.conversation)
        self.me = self.session.current_person().id
        self.step = 0
        self.status = ft.Text("", tooltip=self.t("prepare.save_status"))
        self.saver = Debouncer(self.save)
        self.goal_rows: list[GoalRow] = []
        self.courses: list[Course] = []
        self.goal_message = ft.Text("")

    @property
    def themes(self) -> tuple[Theme, ...]:
        return self.meeting.sheet.themes

    async def save(self) -> None:
        await save_meeting(self.shell, self.meeting, self.status)

    # --- a theme: both preparations side by side, and the minutes ----------------------

    def others(self) -> list[str]:
        return [p for p in self.meeting.conversation.participant_ids if p != self.me]

    def answer_box(self, person: str, question: Question) -> ft.Control:
        t = self.t
        prep = self.meeting.preparations.get(person)
        own = person == self.me
        label = t("hold.yours") if own else self.names.get(person, "?")
        if prep is None:
            text = t("hold.not_shared") if not own else t("hold.not_prepared")
            colour: ft.Colors | None = ft.Colors.ON_SURFACE_VARIANT
        else:
            raw = prep.answers.get(question.id, "").strip()
            if question.type is not QuestionType.TEXT and raw:
                option = next((o for o in question.options if o.id == raw), None)
                raw = t.localize(option.text) if option else raw
            text, colour = (raw, None) if raw else (t("hold.no_answer"),
                                                    ft.Colors.ON_SURFACE_VARIANT)
        return ft.Container(
            ft.Column([ft.Text(label, size=12, weight=ft.FontWeight.W_600,
                               color=ft.Colors.PRIMARY),
                       ft.Text(text, color=colour)], spacing=4),
            padding=10, border_radius=ft.BorderRadius.all(8), expand=True,
            bgcolor=ft.Colors.SURFACE_CONTAINER if own else ft.Colors.SECONDARY_CONTAINER,
        )

    def competence_rows(self, question: Question) -> list[ft.Control]:
        t = self.t
        profile = self.session.job_profile(question.job_profile)
        if profile is None:
            return []
        people = [*self.others(), self.me]
        rows: list[ft.Control] = []
        for competence in profile.competences:
            cells: list[ft.Control] = []
            for person in people:
                prep = self.meeting.preparations.get(person)
                level = prep.ratings.get(competence.id) if prep else None
                who = t("hold.yours") if person == self.me else self.names.get(person, "?")
                value = t(Level(level).text_key) if level is not None else "–"
                cells.append(ft.Text(f"{who}: {value}", size=12, expand=True))
            rows.append(ft.Container(ft.Column([
                ft.Text(t.localize(competence.name), weight=ft.FontWeight.W_500),
                ft.Row(cells, wrap=True)], spacing=2),
                padding=ft.Padding.symmetric(vertical=6),
                border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT))))
        return rows

    def theme_body(self, theme: Theme) -> list[ft.Control]:
        t = self.t
        wide = (self.shell.page.width or 0) >= WIDE
        # The minutes first, a thumb's reach from the theme's title: on a phone the
        # answers below run long.
        parts: list[ft.Control] = [self.minutes_field(theme), ft.Divider()]
        people = [*self.others(), self.me]
        for number, question in enumerate(theme.questions, 1):
            parts.append(ft.Text(f"{number}. {t.localize(question.text)}",
                                 weight=ft.FontWeight.W_500))
            if not any(self.answered(p, question) for p in people):
                parts.append(ft.Text(t("hold.nobody_answered"), size=13,
                                     color=ft.Colors.ON_SURFACE_VARIANT))
                continue
            if question.type is QuestionType.COMPETENCE:
                parts.extend(self.competence_rows(question))
                continue
            boxes = [self.answer_box(p, question) for p in people]
            parts.append(ft.Row(boxes, spacing=8, vertical_alignment=ft.CrossAxisAlignment.START)
                         if wide else ft.Column(boxes, spacing=6,
                                                horizontal_alignment=ft.CrossAxisAlignment.STRETCH))
        return parts

    def answered(self, person: str, question: Question) -> bool:
        """Whether ``person`` has shared an answer (or, for competences, a rating)."""
        prep = self.meeting.preparations.get(person)
        if prep is None:
            return False
        if question.type is QuestionType.COMPETENCE:
            profile = self.session.job_profile(question.job_profile)
            return profile is not None and any(
                prep.ratings.get(c.id) is not None for c in profile.competences)
        return bool(prep.answers.get(question.id, "").strip())

    def minutes_field(self, theme: Theme) -> ft.Control:
        t = self.t
        notes = ft.TextField(
            label=t("hold.minutes", theme=t.localize(theme.title)), multiline=True,
            min_lines=4, max_lines=14, value=self.meeting.minutes.notes.get(theme.id, ""))

        def changed(e: Any) -> None:
            try:
                self.meetings.set_note(self.meeting.cid, theme.id, notes.value or "")
            except InputRejected as err:
                notes.error = describe(err, t)
                notes.update()
                return
            if notes.error:
                notes.error = None
                notes.update()
            self.saver.poke()

        async def left(e: Any) -> None:
            await self.saver.flush()

        notes.on_change = changed
        notes.on_blur = left
        return notes

    # --- the agreement builder ----------------------------------------------------------

    def agreement_body(self) -> list[ft.Control]:
        t = self.t
        agreement = self.meeting.agreement
        if not self.goal_rows:
            goals = agreement.goals if agreement else ()
            self.goal_rows = [GoalRow(self, g, n) for n, g in enumerate(goals, 1)]
            if not self.goal_rows:
                self.goal_rows.append(GoalRow(self, None, 1))
        column = ft.Column([row.control for row in self.goal_rows], spacing=8)

        async def add() -> None:
            row = GoalRow(self, None, len(self.goal_rows) + 1)
            self.goal_rows.append(row)
            column.controls.append(row.control)
            column.update()

        save = ft.FilledButton(t("goal.save"), icon=ft.Icons.SAVE)

        async def keep() -> None:
            await self.keep_goals()

        save.on_click = keep
        intro = [ft.Text(t("goal.intro"))]
        if agreement is not None and agreement.signatures:
            intro.append(ft.Text(t("goal.signed_changes"), color=ft.Colors.TERTIARY))
        return [*intro, column,
                ft.Row([ft.OutlinedButton(t("goal.add"), icon=ft.Icons.ADD,
                                          on_click=add), save], wrap=True),
                self.goal_message]

    async def keep_goals(self) -> bool:
        t = self.t
        try:
            goals = [row.goal() for row in self.goal_rows if not row.removed]
            self.meetings.set_goals(self.meeting.cid, goals)
        except InputRejected as err:
            self.goal_message.value, self.goal_message.color = describe(err, t), ft.Colors.ERROR
            self.goal_message.update()
            return False
        await self.save()
        self.goal_message.value = t("goal.saved", count=len(goals))
        self.goal_message.color = ft.Colors.PRIMARY
        self.goal_message.update()
        return True

    def finish_body(self) -> list[ft.Control]:
        t = self.t
        done = ft.FilledButton(t("hold.finish"), icon=ft.Icons.CHECK)

        async def finish() -> None:
            written = any((r.what.value or "").strip() for r in self.goal_rows if not r.removed)
            if written and not await self.keep_goals():
                self.step = len(self.themes)
                self.render()
                return
            with_goals = self.meeting.agreement is not None
            with_state = done
            try:
                with_state.disabled = True
                await asyncio.to_thread(self.meetings.finish, self.meeting.cid)
            except (InputRejected, StorageError) as err:
                self.goal_message.value = describe(err, t)
                self.goal_message.color = ft.Colors.ERROR
                with_state.disabled = False
                self.render()
                return
            self.shell.sync_soon()
            if with_goals:
                await self.shell.go(Route.AGREEMENT, self.meeting.cid, t("hold.finished"))
            else:
                await self.shell.go(Route.CONVERSATION, self.meeting.cid, t("hold.finished"))

        done.on_click = finish
        agreement = self.meeting.agreement
        count = len(agreement.goals) if agreement else 0
        return [ft.Text(t("hold.finish_help", count=count)), done, self.goal_message]

    # --- the screen ----------------------------------------------------------------------

    def steps(self) -> list[str]:
        return [self.t.localize(th.title) for th in self.themes] + [
            self.t("hold.agreement_step"), self.t("hold.finish_step")]

    async def goto(self, step: int) -> None:
        await self.saver.flush()
        self.step = max(0, min(step, len(self.themes) + 1))
        self.render()

    async def back(self) -> None:
        await self.saver.flush()
        await self.shell.go(Route.CONVERSATION, self.meeting.cid, "")

    def render(self) -> None:
        t = self.t
        steps = self.steps()
        body: list[ft.Control] = [
            ft.Text(t("prepare.step", number=self.step + 1, total=len(steps),
                      title=steps[self.step]), theme_style=ft.TextThemeStyle.TITLE_LARGE),
            self.status,
        ]
        if self.step < len(self.themes):
            body.extend(self.theme_body(self.themes[self.step]))
        elif self.step == len(self.themes):
            body.extend(self.agreement_body())
        else:
            body.extend(self.finish_body())
        buttons: list[ft.Control] = []
        if self.step > 0:
            async def previous() -> None:
                await self.goto(self.step - 1)

            buttons.append(ft.OutlinedButton(t("prepare.previous"), icon=ft.Icons.ARROW_BACK,
                                             on_click=previous))
        if self.step < len(steps) - 1:
            async def following() -> None:
                await self.goto(self.step + 1)

            buttons.append(ft.FilledButton(t("prepare.next"), icon=ft.Icons.ARROW_FORWARD,
                                           on_click=following))
        body.append(ft.Row(buttons, alignment=ft.MainAxisAlignment.SPACE_BETWEEN))
        kind = t(f"kind.{self.meeting.conversation.kind.value}")
        who = ", ".join(self.names.get(p, "") for p in self.others())
        self.shell.show(page_column(body), back_bar(
            self.shell, t("hold.title", kind=kind, names=who), self.back))


async def show_hold(shell: Shell, conversation_id: str) -> None:
    t = shell.session.texts
    meeting = await opened(shell, conversation_id)
    if meeting is None:
        return
    if not shell.session.meetings.leading(meeting.conversation):
        await shell.go(Route.CONVERSATION, conversation_id, describe(
            InputRejected("error.leader_only"), t))
        return
    if meeting.conversation.kind.is_team:
        await shell.go(Route.TEAM, meeting)
        return
    screen = HoldScreen(shell, meeting)
    screen.courses = await asyncio.to_thread(shell.session.office.courses)
    screen.render()


async def show_follow_up(shell: Shell, conversation_id: str) -> None:
    """The follow-up about six months later: each goal's progress; the goals can be
    adjusted, which makes a new agreement both sign again."""
    session, t = shell.session, shell.session.texts
    meetings = session.meetings
    meeting = await opened(shell, conversation_id)
    if meeting is None:
        return
    agreement = meeting.agreement
    message = ft.Text("")
    choices: dict[str, ft.RadioGroup] = {}
    body: list[ft.Control] = [
        ft.Text(t("followup.title"), theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
        ft.Text(t("followup.due", date=when(meeting.conversation.follow_up_due, t) or "–")),
    ]
    for number, goal in enumerate(agreement.goals if agreement else (), 1):
        group = ft.RadioGroup(ft.Row([
            ft.Radio(value=s.value, label=t(f"doc.status.{s.value}")) for s in GoalStatus
        ], wrap=True), value=goal.status.value)
        choices[goal.id] = group
        body.append(ft.Card(ft.Container(ft.Column([
            ft.Text(t("agreement.goal_number", number=number), size=12),
            ft.Text(goal.what, weight=ft.FontWeight.W_500), group], spacing=4), padding=12)))
    save = ft.FilledButton(t("followup.save"), icon=ft.Icons.SAVE)

    async def keep() -> None:
        if agreement is None:
            return
        try:
            for goal_id, group in choices.items():
                status = GoalStatus(group.value or GoalStatus.OPEN.value)
                current = meeting.agreement
                if current is None:
                    return
                if next(g for g in current.goals if g.id == goal_id).status is not status:
                    meetings.set_goal_status(conversation_id, goal_id, status)
            await asyncio.to_thread(meetings.followed_up, conversation_id)
        except (InputRejected, StorageError) as err:
            message.value, message.color = describe(err, t), ft.Colors.ERROR
            message.update()
            return
        shell.sync_soon()
        await shell.go(Route.AGREEMENT, conversation_id, t("followup.saved"))

    save.on_click = keep
    body += [save, message]

    async def back() -> None:
        await shell.go(Route.CONVERSATION, conversation_id)

    shell.show(page_column(body), back_bar(shell, t("followup.title"), back))
