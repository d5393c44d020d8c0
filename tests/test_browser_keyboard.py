"""The on-screen keyboard never covers the field being typed into (phone, 390×844).

A phone's keyboard takes the bottom of the screen. Flutter's web engine on a phone (it
goes by the user agent) reads a window that gets shorter while a field has the focus as
exactly that — a keyboard inset at the bottom — so the test poses as Chrome on Android
and shrinks the window by a keyboard's height while a field low on the screen is focused.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, AppServer, Browser, screenshot

pytestmark = pytest.mark.browser

KEYBOARD = 336  # CSS pixels a phone keyboard with a suggestion bar takes at this width
ABOVE_KEYBOARD = {"width": PHONE["width"], "height": PHONE["height"] - KEYBOARD}
ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36")
AS_ANDROID = f"""
Object.defineProperty(navigator, "userAgent", {{get: () => {ANDROID_CHROME!r}}});
Object.defineProperty(navigator, "platform", {{get: () => "Linux armv8l"}});
Object.defineProperty(navigator, "maxTouchPoints", {{get: () => 5}});
"""


@contextlib.contextmanager
def android_phone(browser: Browser, url: str) -> Iterator[Any]:
    page = browser.context.new_page()
    page.add_init_script(AS_ANDROID)
    page.set_viewport_size(PHONE)
    try:
        page.goto(url)
        # On a phone Flutter's "enable accessibility" placeholder covers the screen and
        # wants a real tap inside it, not a synthetic click event.
        placeholder = page.locator("flt-semantics-placeholder")
        placeholder.wait_for(state="attached", timeout=60_000)
        start = page.get_by_role("button", name="Opret profil")
        for _ in range(10):  # the first taps can come before Flutter listens
            page.mouse.click(PHONE["width"] / 2, PHONE["height"] / 2)  # its very centre
            with contextlib.suppress(AssertionError):
                expect(start).to_be_visible(timeout=2_000)
                break
        yield page
    finally:
        page.close()


def test_the_focused_field_stays_visible_above_the_keyboard(
    browser: Browser, app_server: AppServer, artifacts: Path
) -> None:
    with android_phone(browser, app_server.url) as page:
        page.get_by_role("button", name="Opret profil").click()
        field = page.get_by_role("textbox", name="Gentag PIN-kode")
        expect(field).to_be_visible()
        box = field.bounding_box()
        assert box is not None
        assert box["y"] + box["height"] > ABOVE_KEYBOARD["height"], \
            "the field must start where the keyboard will be, or this proves nothing"
        field.click()
        expect(field).to_be_focused()

        page.set_viewport_size(ABOVE_KEYBOARD)

        # The whole field, top to bottom, above the keyboard (Flutter scrolls it there).
        page.wait_for_function(
            """e => { const r = e.getBoundingClientRect();
                      return r.top >= 0 && r.bottom <= window.innerHeight; }""",
            arg=field.element_handle(), timeout=15_000,
        )
        expect(field).to_be_focused()
        screenshot(page, artifacts / "phone-keyboard-create-profile.png")
