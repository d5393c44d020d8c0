"""Mine enheder and adding a device, as the screens show them (no browser): every
control named, the code and then the same six digits on both devices, a lost device
reported with a plain warning, and the new device's screens."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import flet as ft

from services.devices import Joining
from storage import Device, KdfParams
from tests.app_fixtures import LIBRARY, session_on
from tests.clock import day_clock
from tests.flet_fake import FakeClient, run
from tests.test_views import click, unlabelled, unlock_as
from views.app import make_main

CODE = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}$")
DIGITS = re.compile(r"^\d{3} \d{3}$")


async def started(data_dir: Path) -> FakeClient:
    client = FakeClient()
    device = Device(data_dir, kdf=KdfParams.FAST_FOR_TESTS)
    await client.start(make_main(device, LIBRARY, lang="da", idle_seconds=300,
                                 clock=day_clock()))
    return client


async def shown(client: FakeClient, pattern: re.Pattern[str], seconds: float = 20) -> str:
    """The first text on screen matching ``pattern``, once it appears."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [t for t in client.texts() if pattern.search(t)]
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"never shown: {pattern.pattern}; shown: {client.texts()}")


async def my_devices(data_dir: Path) -> FakeClient:
    client = await started(data_dir)
    await click(client, ft.OutlinedButton, content="Prøv med demodata")
    await click(client, ft.IconButton, name="Indstillinger")
    await click(client, ft.OutlinedButton, content="Mine enheder")
    return client


def test_my_devices_lists_this_device_and_names_every_control(data_dir: Path) -> None:
    async def scenario() -> None:
        client = await my_devices(data_dir)
        assert "Min første enhed (denne enhed)" in client.texts()
        assert "Ikke synkroniseret endnu" in client.texts()
        assert not unlabelled(client)

    run(scenario())


def test_adding_shows_a_code_then_the_same_six_digits_as_the_new_device(
    data_dir: Path, tmp_path: Path
) -> None:
    async def scenario() -> None:
        client = await my_devices(data_dir)
        await click(client, ft.FilledButton, content="Tilføj enhed")
        code = await shown(client, CODE)
        assert not unlabelled(client)
        share = str(data_dir / "share")
        new_device = Device(tmp_path / "phone", kdf=KdfParams.FAST_FOR_TESTS)
        joining = Joining(new_device, day_clock())
        digits = await asyncio.to_thread(joining.start, share, "", "", code, "Telefon")
        assert await shown(client, DIGITS) == digits
        assert "»Telefon« har meldt sig. Står de samme seks tal på den nye enhed?" in (
            client.texts())
        assert not unlabelled(client)
        await click(client, ft.FilledButton, name="Tallene er ens – send min profil til Telefon")
        await shown(client, re.compile("^Sendt til »Telefon«"))
        assert await asyncio.to_thread(joining.poll)

    run(scenario())


def test_reporting_a_device_lost_warns_what_it_shuts_out(data_dir: Path, tmp_path: Path) -> None:
    async def scenario() -> None:
        client = await my_devices(data_dir)
        session: Any = client.session_of_app()
        await asyncio.to_thread(session.devices.record, "ab" * 16, "Tablet")
        await click(client, ft.IconButton, name="Tilbage")
        await click(client, ft.OutlinedButton, content="Mine enheder")
        await click(client, ft.OutlinedButton, name="Meld Tablet tabt")
        assert any("Dine øvrige enheder skal tilføjes igen med en kode" in t
                   for t in client.texts())
        assert not unlabelled(client)
        await click(client, ft.FilledButton, name="Meld Tablet tabt")
        await shown(client, re.compile("^»Tablet« er meldt tabt. Kontakt HR"))
        await shown(client, re.compile("^Venter på, at HR godkender"))

    run(scenario())


def test_the_new_device_starts_from_the_welcome_screen_and_a_wrong_code_is_told(
    data_dir: Path, tmp_path: Path
) -> None:
    async def scenario() -> None:
        client = await started(data_dir)
        await click(client, ft.OutlinedButton, content="Jeg bruger allerede Samtale")
        assert not unlabelled(client)
        share = tmp_path / "share"
        share.mkdir()
        location = client.find(ft.TextField, label="Mappe eller smb://server/share/mappe")
        client.type_into(location, str(share))
        client.type_into(client.find(ft.TextField, label="Kode fra din anden enhed"),
                         "7QMK-3XHD")
        client.type_into(client.find(ft.TextField, label="Navn på denne enhed (fx Telefon)"),
                         "Telefon")
        await click(client, ft.FilledButton, content="Forbind")
        await shown(client, re.compile("^Koden passer ikke"))
        assert not (data_dir / "vaults").exists() or not any((data_dir / "vaults").iterdir())

    run(scenario())


def test_the_lost_device_screen_says_what_is_lost(data_dir: Path) -> None:
    async def scenario() -> None:
        client = await started(data_dir)
        await click(client, ft.TextButton, content="Jeg har mistet min enhed")
        assert any("lukker alle dine gamle enheder ude" in t for t in client.texts())
        assert not unlabelled(client)
        await click(client, ft.OutlinedButton, content="Opret profil")
        assert client.find(ft.TextField, label="Dit navn")

    run(scenario())


def test_with_the_recovery_code_a_new_device_finds_the_profile_and_opens_it(
    data_dir: Path, tmp_path: Path
) -> None:
    from tests.test_recovery import anna_with_code

    tablet, code, _cid = anna_with_code(tmp_path)

    async def scenario() -> None:
        client = await started(data_dir)
        await click(client, ft.TextButton, content="Jeg har mistet min enhed")
        await click(client, ft.FilledButton, content="Gendan med min gendannelseskode")
        assert not unlabelled(client)
        client.type_into(client.find(ft.TextField, label="Mappe eller smb://server/share/mappe"),
                         tablet.default_share())
        client.type_into(client.find(ft.TextField, label="Gendannelseskode"), "K7QM-3XHD")
        await click(client, ft.FilledButton, content="Find min profil")
        await shown(client, re.compile("^Det ligner ikke en gendannelseskode"))
        client.type_into(client.find(ft.TextField, label="Gendannelseskode"), code.lower())
        await click(client, ft.FilledButton, content="Find min profil")
        await shown(client, re.compile("^Profilen for Anna Sørensen er fundet"))
        for label in ("PIN-kode", "Gentag PIN-kode"):
            client.type_into(client.find(ft.TextField, label=label), "135792")
        await click(client, ft.FilledButton, content="Gem og åbn")
        await shown(client, re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){6}$"))  # the new code
        assert not unlabelled(client)

    run(scenario())


def test_hr_is_told_plainly_that_approving_new_keys_shuts_out_the_other_devices(
    data_dir: Path,
) -> None:
    async def scenario() -> None:
        client = await my_devices(data_dir)
        session: Any = client.session_of_app()
        await asyncio.to_thread(session.devices.record, "ab" * 16, "Tablet")
        await asyncio.to_thread(session.devices.mark_lost, "ab" * 16)
        await click(client, ft.IconButton, name="Tilbage")
        await click(client, ft.IconButton, name="Tilbage")
        await click(client, ft.IconButton, name="Lås")
        await unlock_as(client, "Sol")  # Henrik from HR
        await click(client, ft.IconButton, name="Indstillinger")
        await click(client, ft.OutlinedButton, content="Organisation")
        texts = client.texts()
        assert any(t.startswith("Anna Sørensen har mistet en enhed") for t in texts)
        assert ("Godkendelse ERSTATTER Anna Sørensens nøgler og lukker alle personens andre "
                "enheder ude. Gør det kun, hvis du har talt med personen.") in texts
        assert not unlabelled(client)

    run(scenario())


def test_hr_may_approve_a_newcomer_as_a_member_who_lost_their_device(
    data_dir: Path, tmp_path: Path
) -> None:
    async def scenario() -> None:
        client = await started(data_dir)
        await click(client, ft.OutlinedButton, content="Prøv med demodata")
        session: Any = client.session_of_app()
        anna = session.current_person().id
        newcomer = await asyncio.to_thread(new_profile_asking, tmp_path, str(data_dir / "share"))
        await click(client, ft.IconButton, name="Lås")
        await unlock_as(client, "Sol")
        await click(client, ft.IconButton, name="Indstillinger")
        await click(client, ft.OutlinedButton, content="Organisation")
        same_as = client.find(ft.Dropdown,
                              label="Samme person som (hvis personen har mistet sin enhed)")
        same_as.value = anna
        await client.fire(same_as, "select", anna)
        assert ("Godkendelse giver Anna Sørensen disse nye nøgler: de ERSTATTER personens "
                "nøgler og lukker alle personens andre enheder ude. Gør det kun, hvis du har "
                "talt med personen.") in client.texts()
        await click(client, ft.FilledButton, name="Godkend Anna Sørensen")
        await asyncio.to_thread(newcomer.sync)
        assert newcomer.current_person().id == anna

    run(scenario())


def new_profile_asking(tmp: Path, share: str) -> Any:
    """Anna's new phone after she lost her only device: a profile of its own that asks
    to join the organisation."""
    phone = session_on(tmp / "new-phone")
    phone.create_profile("Anna Sørensen", "246810", "246810", leader=False, symbol=1)
    phone.set_share(share, "", "")
    phone.request_to_join(phone.find_organisation(), "", "")
    return phone


def test_hr_finds_someone_who_left_by_name_and_removes_them(data_dir: Path) -> None:
    async def scenario() -> None:
        client = await started(data_dir)
        await click(client, ft.OutlinedButton, content="Prøv med demodata")
        await click(client, ft.IconButton, name="Lås")
        await unlock_as(client, "Sol")  # Henrik from HR
        await click(client, ft.IconButton, name="Indstillinger")
        await click(client, ft.OutlinedButton, content="Organisation")
        search = client.find(ft.TextField, label="Find en person (skriv en del af navnet)")
        client.type_into(search, "sørensen")
        await client.fire(search, "change")
        assert "Anna Sørensen · Sundhed og Omsorg" in client.texts()
        assert not unlabelled(client)
        await click(client, ft.OutlinedButton, name="Fjern Anna Sørensen fra organisationen")
        assert any(t.startswith("Anna Sørensen kan ikke læse noget nyt") for t in client.texts())
        await click(client, ft.FilledButton, name="Fjern Anna Sørensen fra organisationen")
        await shown(client, re.compile("^Anna Sørensen er fjernet fra organisationen"))
        session: Any = client.session_of_app()
        assert all(m.name != "Anna Sørensen" for m in session.directory.members.values())

    run(scenario())
