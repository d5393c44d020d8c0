"""A phone's life, through Flet's own event dispatch: the app going to the background and
coming back, and Android's back button (the root view's pop confirmation)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import flet as ft
import pytest
from flet.messaging.protocol import MessageAction

from conversations.demo import DEMO_PIN
from services.app import AppSession
from services.clock import Clock
from storage import Device, KdfParams
from tests.app_fixtures import DEMO_MUS_AT, open_label
from tests.clock import TODAY
from tests.flet_fake import FakeClient, run
from tests.test_views import LIBRARY, click, open_card
from views.app import make_main

IDLE_SECONDS = 300


class SleepingClock(Clock):
    """The tests' day; ``slept`` moves the idle clock on as a phone asleep in a bag does."""

    def __init__(self) -> None:
        super().__init__(TODAY)
        self.slept = 0.0

    def monotonic(self) -> float:
        return super().monotonic() + self.slept


async def started(data: Path, clock: Clock | None = None) -> FakeClient:
    client = FakeClient()
    device = Device(data, kdf=KdfParams.FAST_FOR_TESTS)
    await client.start(make_main(device, LIBRARY, lang="da", idle_seconds=IDLE_SECONDS,
                                 clock=clock or SleepingClock()))
    return client


class PhoneClient:
    """A FakeClient that answers the app's calls to the client (``confirm_pop``) the way
    Flutter does, and keeps them for the test to read."""

    def __init__(self, client: FakeClient) -> None:
        self.client = client
        self.calls: list[tuple[str, Any]] = []
        send = client.conn.send_message

        def send_and_answer(message: Any) -> None:
            send(message)
            if message.action is MessageAction.INVOKE_METHOD:
                body = message.body
                self.calls.append((body.name, body.args))
                client.session.handle_invoke_method_results(body.control_id, body.call_id,
                                                            None, None)

        client.conn.send_message = send_and_answer  # type: ignore[method-assign]

    async def lifecycle(self, state: str) -> None:
        await self.client.fire(self.client.page, "app_lifecycle_state_change",
                               {"state": state})

    async def back_button(self) -> bool:
        """Presses Android's back button; True when the app let the system pop (close)."""
        self.calls.clear()
        await self.client.fire(self.client.page.views[0], "confirm_pop")
        (name, args), = self.calls
        assert name == "confirm_pop"
        return bool(args["should_pop"])


def session(client: FakeClient) -> AppSession:
    app_session: AppSession = client.session_of_app()
    return app_session


def answer_field(client: FakeClient) -> ft.TextField:
    return client.find(ft.TextField, label="Svar på spørgsmål 1")


def saved_answers(data: Path, profile_id: str, conversation_id: str) -> str:
    """Everything saved for the conversation, as another device would read it from disk."""
    vault = Device(data, kdf=KdfParams.FAST_FOR_TESTS).unlock(profile_id, DEMO_PIN)
    try:
        return repr(vault.read_shard(conversation_id))
    finally:
        vault.lock()


async def phone_on_demo_mus(data: Path) -> tuple[PhoneClient, str]:
    client = await started(data)
    await click(client, ft.OutlinedButton, content="Prøv med demodata")
    await open_card(client, open_label("MUS med Mette Holm", DEMO_MUS_AT))
    phone = PhoneClient(client)
    (cid,) = session(client).drafts
    return phone, cid


def test_going_to_the_background_saves_what_was_just_typed(tmp_path: Path) -> None:
    async def scenario() -> tuple[str, str]:
        phone, cid = await phone_on_demo_mus(tmp_path)
        client = phone.client
        field = answer_field(client)
        client.type_into(field, "Skrevet lige før telefonen ringede")
        await client.fire(field, "change", "Skrevet lige før telefonen ringede")
        profile = session(client).vault
        assert profile is not None
        before = saved_answers(tmp_path, profile.id, cid)
        await phone.lifecycle("hide")
        return before, saved_answers(tmp_path, profile.id, cid)

    before, after = run(scenario())
    assert "Skrevet lige før telefonen ringede" not in before  # the autosave had not run yet
    assert "Skrevet lige før telefonen ringede" in after


def test_coming_back_after_the_idle_time_locks_the_vault(tmp_path: Path) -> None:
    async def scenario() -> tuple[bool, list[str]]:
        phone, _cid = await phone_on_demo_mus(tmp_path)
        app = session(phone.client)
        await phone.lifecycle("hide")
        await phone.lifecycle("pause")
        assert isinstance(app.clock, SleepingClock)
        app.clock.slept = IDLE_SECONDS + 1
        await phone.lifecycle("resume")
        return app.vault is None, phone.client.texts()

    locked, texts = run(scenario())
    assert locked
    assert any(text.startswith("Samtale blev låst efter 5 minutter") for text in texts)


def test_coming_back_within_the_idle_time_keeps_the_screen(tmp_path: Path) -> None:
    async def scenario() -> tuple[bool, bool]:
        phone, _cid = await phone_on_demo_mus(tmp_path)
        await phone.lifecycle("hide")
        await phone.lifecycle("resume")
        app = session(phone.client)
        return app.vault is not None, bool(app.drafts)

    unlocked, still_preparing = run(scenario())
    assert unlocked and still_preparing


def test_back_goes_one_screen_back_and_saves_the_answers(tmp_path: Path) -> None:
    async def scenario() -> tuple[bool, list[str], str]:
        phone, cid = await phone_on_demo_mus(tmp_path)
        client = phone.client
        client.type_into(answer_field(client), "Gemt på vej tilbage")
        await client.fire(answer_field(client), "change", "Gemt på vej tilbage")
        closed = await phone.back_button()
        profile = session(client).vault
        assert profile is not None
        return closed, client.texts(), saved_answers(tmp_path, profile.id, cid)

    closed, texts, saved = run(scenario())
    assert not closed
    assert "Mine samtaler" in texts  # home, the screen before the preparation
    assert "Gemt på vej tilbage" in saved


def test_back_on_a_top_screen_lets_the_system_close_the_app_with_everything_saved(
    tmp_path: Path,
) -> None:
    async def scenario() -> tuple[bool, bool, bool]:
        phone, _cid = await phone_on_demo_mus(tmp_path)
        first = await phone.back_button()  # preparation -> home
        second = await phone.back_button()  # home: nothing before it
        return first, second, not session(phone.client).drafts

    first, second, nothing_open = run(scenario())
    assert (first, second) == (False, True)
    assert nothing_open


def test_back_from_a_screen_opened_on_the_welcome_screen_returns_to_it(tmp_path: Path) -> None:
    async def scenario() -> tuple[bool, list[str]]:
        client = await started(tmp_path)
        phone = PhoneClient(client)
        await click(client, ft.FilledButton, content="Opret profil")
        closed = await phone.back_button()
        return closed, client.texts()

    closed, texts = run(scenario())
    assert not closed
    assert "Velkommen til Samtale" in texts


def test_the_root_view_asks_before_the_back_button_pops_it(tmp_path: Path) -> None:
    async def scenario() -> ft.View:
        client = await started(tmp_path)
        root: ft.View = client.page.views[0]
        return root

    root = run(scenario())
    assert root.can_pop is False
    assert root.on_confirm_pop is not None


@pytest.mark.skipif(not hasattr(time, "CLOCK_BOOTTIME"), reason="Linux and Android only")
def test_the_idle_time_counts_while_the_phone_sleeps() -> None:
    # time.monotonic stops during suspend on Linux/Android; CLOCK_BOOTTIME does not.
    assert abs(Clock().monotonic() - time.clock_gettime(time.CLOCK_BOOTTIME)) < 1.0
