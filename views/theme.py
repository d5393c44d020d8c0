"""The app's colours: one light colour scheme written out role by role, so the contrast
of every text on its background is known, and tested (``tests/test_contrast.py``),
instead of left to what the client derives from a seed colour.

The values are the Material 3 scheme Flutter 3.44 derives from teal (the app's look
until now; surface, on-surface, primary and the containers were measured on screen), so
nothing changes to the eye where the contrast already held."""

from __future__ import annotations

from collections.abc import Mapping

import flet as ft

SCHEME: Mapping[str, str] = {
    "primary": "#006a60",
    "on_primary": "#ffffff",
    "primary_container": "#9ef2e4",
    "on_primary_container": "#005048",
    "secondary": "#4a635f",
    "on_secondary": "#ffffff",
    "secondary_container": "#cce8e2",
    "on_secondary_container": "#334b47",
    "tertiary": "#456179",
    "on_tertiary": "#ffffff",
    "tertiary_container": "#cce5ff",
    "on_tertiary_container": "#2d4960",
    "error": "#ba1a1a",
    "on_error": "#ffffff",
    "error_container": "#ffdad6",
    "on_error_container": "#93000a",
    "surface": "#f4fbf8",
    "on_surface": "#161d1c",
    "on_surface_variant": "#3f4947",
    "outline": "#6f7977",
    "outline_variant": "#bec9c6",
    "surface_container_lowest": "#ffffff",
    "surface_container_low": "#eff5f2",
    "surface_container": "#e9efec",
    "surface_container_high": "#e3eae7",
    "surface_container_highest": "#dde4e1",
    "inverse_surface": "#2b3230",
    "on_inverse_surface": "#ecf2ef",
    "inverse_primary": "#82d5c8",
}

# The heatmap's cells (gap to the expected level), with black numbers on them. Each
# bucket also differs by its number and tooltip, never by colour alone.
HEAT: Mapping[str, str] = {
    "ok": "#81c784",
    "small": "#ffee58",
    "medium": "#ffa726",
    "large": "#ef5350",
    "none": "#e0e0e0",
}
HEAT_TEXT = "#000000"

# Every text colour the screens put on a background: (text role, background role).
# Plain text is on-surface; PRIMARY, ERROR, TERTIARY and ON_SURFACE_VARIANT are used as
# text colours on the page and on cards; buttons and containers carry their on-colours.
SURFACES = ("surface", "surface_container_lowest", "surface_container_low",
            "surface_container", "surface_container_high", "surface_container_highest")
TEXT_ON: tuple[tuple[str, str], ...] = (
    *((text, surface) for text in ("on_surface", "on_surface_variant", "primary", "error",
                                   "tertiary") for surface in SURFACES),
    ("on_primary", "primary"),
    ("on_primary_container", "primary_container"),
    ("on_surface", "primary_container"),
    ("on_secondary_container", "secondary_container"),
    ("on_surface", "secondary_container"),
    ("on_tertiary_container", "tertiary_container"),
    ("on_surface", "tertiary_container"),
    ("primary", "tertiary_container"),
    ("on_error", "error"),
    ("on_error_container", "error_container"),
    ("error", "error_container"),
    ("on_inverse_surface", "inverse_surface"),
)


def app_theme() -> ft.Theme:
    return ft.Theme(color_scheme_seed=ft.Colors.TEAL,
                    color_scheme=ft.ColorScheme(**SCHEME))
