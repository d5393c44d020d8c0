"""The conversation wheel drawn as Randers' board, for a tablet on the table.

The team sits in the middle; the wheel's fields (*Vores team*, *Faglighed*,
*Relationer*) lie around it as sectors drawn on a canvas. The dialog cards lie in a pile
beside the wheel: tap a card to pick it up, then tap a field on the wheel to lay it
there. The drawing itself has no names a screen reader could read, so every field and
every card laid on it is also a named text on top of the drawing, and each field has a
named button that lays the picked card there — the same action without aiming at a
drawing. Where the wheel does not fit (a phone), the team screen keeps its list.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import flet as ft
import flet.canvas as cv

from conversations.model import InputRejected
from conversations.sheets import WheelField
from conversations.team import Card, cards_on_wheel
from conversations.unit_plan import team_of
from services.meeting import Meeting
from views.common import describe

if TYPE_CHECKING:
    from views.shell import Shell

WHEEL_FITS = 720
"""The least page width (logical pixels) that holds the wheel and the pile side by side."""
SIZE = 400
INNER = 0.3  # the team's circle, as a share of the wheel's radius
FIELD_FILLS = ("#D6E6F5", "#DCEFD8", "#F8E3C4", "#EADCF2", "#F5D6DC", "#D9EEEE")
TEAM_FILL = "#2F5D8A"
RIM = "#5A6B7B"
LABEL_WIDTH = 150


def fits(page_width: float | None) -> bool:
    return (page_width or 0) >= WHEEL_FITS


def field_at(x: float, y: float, count: int, size: float = SIZE) -> int | None:
    """Which of ``count`` fields a tap at (x, y) on the wheel lands on: the first field
    starts at the top and they follow clockwise. None for the team's circle in the
    middle and outside the wheel."""
    if count <= 0:
        return None
    radius = size / 2
    dx, dy = x - radius, y - radius
    distance = math.hypot(dx, dy)
    if distance > radius or distance < radius * INNER:
        return None
    clockwise_from_top = (math.degrees(math.atan2(dy, dx)) + 90) % 360
    return min(int(clockwise_from_top // (360 / count)), count - 1)


def field_centre(index: int, count: int, size: float = SIZE) -> tuple[float, float]:
    """The middle of a field's sector, where its name and its cards are shown."""
    radius = size / 2
    middle = math.radians(-90 + (index + 0.5) * 360 / count)
    reach = radius * (INNER + 1) / 2 + 6
    return radius + reach * math.cos(middle), radius + reach * math.sin(middle)


class WheelBoard:
    """The drawn wheel with the pile of cards beside it, for one team conversation."""

    def __init__(self, shell: Shell, meeting: Meeting,
                 changed: Callable[[], Awaitable[None]]) -> None:
        self.shell = shell
        self.meetings = shell.session.meetings
        self.t = shell.session.texts
        self.meeting = meeting
        self.changed = changed
        self.picked: str | None = None
        self.message = ft.Text("")

    @property
    def fields(self) -> tuple[WheelField, ...]:
        return self.meeting.sheet.wheel

    def title(self, field: WheelField) -> str:
        return self.t.localize(field.title)

    # --- what a tap does -------------------------------------------------------------------

    def picker(self, card_id: str) -> Any:
        async def pick() -> None:
            self.picked = None if self.picked == card_id else card_id
            self.message.value = ""
            await self.changed()

        return pick

    async def lay(self, field_id: str) -> None:
        if self.picked is None:
            self.message.value, self.message.color = self.t("wheel.pick_first"), None
            await self.changed()
            return
        try:
            self.meetings.place_card(self.meeting.cid, self.picked, field_id)
        except InputRejected as err:
            self.message.value, self.message.color = describe(err, self.t), ft.Colors.ERROR
        else:
            self.message.value = ""
        await self.changed()

    def layer(self, field_id: str) -> Any:
        async def lay() -> None:
            await self.lay(field_id)

        return lay

    async def tapped(self, e: ft.TapEvent[ft.GestureDetector]) -> None:
        if e.local_position is None:
            return
        index = field_at(e.local_position.x, e.local_position.y, len(self.fields))
        if index is not None:
            await self.lay(self.fields[index].id)

    async def draw(self) -> None:
        card = self.meetings.draw(self.meeting.cid)
        self.picked = card.id if card else None
        self.message.value = "" if card else self.t("team.all_done")
        await self.changed()

    async def done(self) -> None:
        if self.picked is not None:
            self.meetings.card_done(self.meeting.cid, self.picked)
        await self.changed()

    # --- the board -----------------------------------------------------------------------

    def controls(self) -> list[ft.Control]:
        t = self.t
        deck = self.meetings.deck(self.meeting)
        numbers = {card.id: n for n, card in enumerate(deck, 1)}
        placed = self.meeting.minutes.placed_cards
        done = set(self.meeting.minutes.done_cards)
        on = cards_on_wheel(deck, placed, self.meeting.sheet)
        parts: list[ft.Control] = [
            ft.Text(t("team.cards_done", done=len(done & set(numbers)), total=len(deck))),
            ft.Text(t("wheel.help")),
        ]
        # The card in hand sits beside the wheel, above the pile: the wheel never moves
        # while cards are picked up and laid, so a finger finds each field where it was.
        self.message.visible = bool(self.message.value)
        beside: list[ft.Control] = [self.message]
        picked = next((card for card in deck if card.id == self.picked), None)
        if picked is not None:
            beside.append(self.picked_card(picked, numbers[picked.id], done))
        beside.append(ft.Container(self.pile(deck, numbers, placed, done), expand=True))
        parts.append(ft.Row([
            self.wheel(on, numbers),
            ft.Container(ft.Column(beside, spacing=8), expand=True, height=SIZE),
        ], spacing=16, vertical_alignment=ft.CrossAxisAlignment.START))
        return parts

    def picked_card(self, card: Card, number: int, done: set[str]) -> ft.Control:
        t = self.t
        lies_on = self.meeting.sheet.wheel_field(self.meeting.minutes.placed_cards.get(card.id, ""))
        where = t("wheel.lies_on", field=self.title(lies_on)) if lies_on else \
            t("wheel.in_pile")
        finished = card.id in done
        buttons: list[ft.Control] = [
            ft.OutlinedButton(t("wheel.lay_on", field=self.title(field)),
                              icon=ft.Icons.PLACE, on_click=self.layer(field.id),
                              disabled=lies_on is field)
            for field in self.fields
        ]
        buttons.append(ft.FilledButton(
            t("team.card_is_done") if finished else t("team.card_done"), icon=ft.Icons.CHECK,
            disabled=finished, on_click=self.done))
        return ft.Card(ft.Container(ft.Column([
            ft.Text(t("wheel.picked", number=number), size=12, color=ft.Colors.PRIMARY),
            ft.Text(card.text, size=16, weight=ft.FontWeight.W_500),
            ft.Text(where, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Row(buttons, wrap=True, spacing=8, run_spacing=8),
        ], spacing=6), padding=12), bgcolor=ft.Colors.TERTIARY_CONTAINER)

    def wheel(self, on: dict[str, tuple[Card, ...]], numbers: dict[str, int]) -> ft.Control:
        t = self.t
        count = len(self.fields)
        team = team_of(self.meeting.conversation, self.shell.session.directory) or \
            t("wheel.team")
        lies_on = self.meeting.minutes.placed_cards.get(self.picked or "")
        marked = next((i for i, f in enumerate(self.fields) if f.id == lies_on), None)
        layers: list[ft.Control] = [cv.Canvas(self.drawing(marked), width=SIZE, height=SIZE)]
        hole = SIZE * INNER
        layers.append(ft.Container(
            ft.Text(team, color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD, size=13,
                    text_align=ft.TextAlign.CENTER,
                    semantics_label=t("wheel.team_named", team=team)),
            left=SIZE / 2 - hole / 2, top=SIZE / 2 - hole / 2, width=hole, height=hole,
            alignment=ft.Alignment.CENTER, padding=8))
        for index, field in enumerate(self.fields):
            x, y = field_centre(index, count)
            title = self.title(field)
            cards = on.get(field.id, ())
            discs: list[ft.Control] = [ft.Container(
                ft.Text(str(numbers[card.id]), size=12, weight=ft.FontWeight.BOLD,
                        color=ft.Colors.WHITE,
                        semantics_label=t("wheel.card_on", number=numbers[card.id],
                                          field=title, text=card.text)),
                width=26, height=26, border_radius=13, bgcolor=RIM,
                alignment=ft.Alignment.CENTER) for card in cards]
            layers.append(ft.Container(ft.Column([
                ft.Text(title, weight=ft.FontWeight.BOLD, size=15, color="#1D2733",
                        text_align=ft.TextAlign.CENTER,
                        semantics_label=t("wheel.field_named", field=title,
                                          count=len(cards))),
                ft.Row(discs, wrap=True, spacing=4, run_spacing=4,
                       alignment=ft.MainAxisAlignment.CENTER),
            ], spacing=4, horizontal_alignment=ft.CrossAxisAlignment.CENTER, tight=True),
                left=x - LABEL_WIDTH / 2, top=y - 24, width=LABEL_WIDTH))
        # The detector holds the whole stack, so a tap on a field's name lays the card
        # on that field too: the names sit on top of the drawing and would take the tap.
        # Screen readers lay cards with the named buttons instead; the detector stays out
        # of their way, and the names of the fields and cards stay separate.
        return ft.GestureDetector(content=ft.Stack(layers, width=SIZE, height=SIZE),
                                  on_tap_up=self.tapped, mouse_cursor=ft.MouseCursor.CLICK,
                                  exclude_from_semantics=True)

    def drawing(self, marked: int | None = None) -> list[cv.Shape]:
        """The sectors, the team's circle, and an outline round the field ``marked`` (where
        the card in hand lies)."""
        count = len(self.fields)
        radius = SIZE / 2
        sweep = 2 * math.pi / count
        shapes: list[cv.Shape] = [
            cv.Arc(0, 0, SIZE, SIZE, start_angle=-math.pi / 2 + i * sweep, sweep_angle=sweep,
                   use_center=True,
                   paint=ft.Paint(color=FIELD_FILLS[i % len(FIELD_FILLS)],
                                  style=ft.PaintingStyle.FILL))
            for i in range(count)
        ]
        edge = ft.Paint(color=ft.Colors.WHITE, stroke_width=4, style=ft.PaintingStyle.STROKE)
        for i in range(count):
            angle = -math.pi / 2 + i * sweep
            shapes.append(cv.Line(radius, radius, radius + radius * math.cos(angle),
                                  radius + radius * math.sin(angle), paint=edge))
        if marked is not None:
            shapes.append(cv.Arc(
                3, 3, SIZE - 6, SIZE - 6, start_angle=-math.pi / 2 + marked * sweep,
                sweep_angle=sweep, use_center=True,
                paint=ft.Paint(color=TEAM_FILL, stroke_width=5, style=ft.PaintingStyle.STROKE)))
        shapes += [
            cv.Circle(radius, radius, radius - 1,
                      paint=ft.Paint(color=RIM, stroke_width=2, style=ft.PaintingStyle.STROKE)),
            cv.Circle(radius, radius, radius * INNER,
                      paint=ft.Paint(color=TEAM_FILL, style=ft.PaintingStyle.FILL)),
        ]
        return shapes

    def pile(self, deck: tuple[Card, ...], numbers: dict[str, int],
             placed: Mapping[str, str], done: set[str]) -> ft.Control:
        t = self.t
        tiles: list[ft.Control] = [
            ft.FilledTonalButton(t("team.draw"), icon=ft.Icons.STYLE, on_click=self.draw),
            ft.Text(t("wheel.pile"), weight=ft.FontWeight.W_600),
        ]
        for card in deck:
            field = self.meeting.sheet.wheel_field(placed.get(card.id, ""))
            state = t("wheel.lies_on", field=self.title(field)) if field else \
                t("wheel.in_pile")
            if card.id in done:
                state = f"{state} · {t('team.card_is_done')}"
            tiles.append(ft.ListTile(
                leading=ft.CircleAvatar(content=ft.Text(str(numbers[card.id]), size=12),
                                        radius=13),
                title=ft.Text(card.text, max_lines=2, overflow=ft.TextOverflow.ELLIPSIS,
                              size=13),
                subtitle=ft.Text(state, size=11),
                selected=card.id == self.picked, dense=True,
                on_click=self.picker(card.id)))
        return ft.Column(tiles, scroll=ft.ScrollMode.AUTO, spacing=0)
