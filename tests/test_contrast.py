"""Every text colour in the theme against every background it is shown on reaches the
WCAG 2.1 AA contrast for normal text, 4.5:1 (success criterion 1.4.3)."""

from __future__ import annotations

import pytest

from views.theme import HEAT, HEAT_TEXT, SCHEME, TEXT_ON

AA_NORMAL_TEXT = 4.5


def luminance(colour: str) -> float:
    """Relative luminance of an sRGB colour written ``#rrggbb`` (WCAG 2.1's formula)."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(text: str, background: str) -> float:
    lighter, darker = sorted((luminance(text), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_contrast_formula_gives_the_known_extremes() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # just fails AA
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)


@pytest.mark.parametrize(("text", "background"), TEXT_ON, ids=[f"{t}-on-{b}" for t, b in TEXT_ON])
def test_every_text_colour_of_the_theme_reads_on_its_background(text: str,
                                                                background: str) -> None:
    ratio = contrast(SCHEME[text], SCHEME[background])
    assert ratio >= AA_NORMAL_TEXT, f"{text} on {background}: {ratio:.2f}:1"


@pytest.mark.parametrize("bucket", sorted(HEAT))
def test_the_heatmaps_numbers_read_on_every_cell_colour(bucket: str) -> None:
    ratio = contrast(HEAT_TEXT, HEAT[bucket])
    assert ratio >= AA_NORMAL_TEXT, f"{bucket}: {ratio:.2f}:1"


def test_every_colour_role_the_pairs_name_is_in_the_scheme() -> None:
    assert {role for pair in TEXT_ON for role in pair} <= set(SCHEME)
