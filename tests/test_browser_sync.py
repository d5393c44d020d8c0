"""Sync as a person sees it: offline while the drive is away, synced once it appears."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conversations.demo import DEMO_PIN
from resources.library import load_library
from services.app import AppSession
from storage import Device, KdfParams
from tests.browser import PHONE, TABLET, AppServer, Browser, screenshot, type_into

pytestmark = pytest.mark.browser


def test_the_app_works_offline_and_syncs_by_itself_when_the_drive_appears(
    browser: Browser, tmp_path: Path, artifacts: Path
) -> None:
    data, drive = tmp_path / "data", tmp_path / "network-drive"
    session = AppSession(Device(data, kdf=KdfParams.FAST_FOR_TESTS), load_library())
    session.create_demo()
    session.set_share(str(drive), "", "")
    mus = next(s for _, items in session.home() for s in items if s.answered)
    session.open_draft(mus.id)
    session.set_shared(mus.id, True)
    session.close_draft(mus.id)  # waits in the outbox while the drive is away
    session.lock()
    server = AppServer(data)
    server.start()
    try:
        with browser.page(server.url, PHONE) as page:
            page.get_by_role("button", name=re.compile("^Profil: Båd")).click()
            type_into(page, "PIN-kode", DEMO_PIN, exact=True)
            page.get_by_role("button", name="Lås op").click()
            expect(page.get_by_text(re.compile("^Offline"))).to_be_visible(timeout=20_000)
            expect(page.get_by_text("Hej Anna Sørensen")).to_be_visible()
            screenshot(page, artifacts / "phone-20-offline.png")

            drive.mkdir()  # the network drive is mounted again
            expect(page.get_by_text(re.compile(r"Synkroniseret kl\. \d\d\.\d\d"))).to_be_visible(
                timeout=30_000
            )
            screenshot(page, artifacts / "phone-21-synced.png")
        sent = [p for p in drive.rglob("*") if p.is_file()]
        assert sent, "the waiting preparation was sent once the drive appeared"
        assert not any(b"Genopt" in p.read_bytes() for p in sent)

        with browser.page(server.url, TABLET) as page:
            page.get_by_role("button", name=re.compile("^Profil: Hjerte")).click()
            type_into(page, "PIN-kode", DEMO_PIN, exact=True)
            page.get_by_role("button", name="Lås op").click()
            expect(page.get_by_text("Hej Mette Holm")).to_be_visible(timeout=20_000)
            page.get_by_role("button", name="Synkroniser nu").click()
            expect(page.get_by_text(re.compile(r"Synkroniseret kl\. \d\d\.\d\d"))).to_be_visible(
                timeout=30_000
            )
            screenshot(page, artifacts / "tablet-20-leader-synced.png")
    finally:
        server.stop()
