"""The one fitting helper: every cut is marked with "…", widths are terminal cells."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from rich.text import Text

from spark_tui.tui.fit import column_widths, fit_end, fit_keys, fit_middle


@pytest.mark.parametrize(("width", "end", "middle"), [
    (0, "", ""),
    (1, "…", "…"),
    (2, "p…", "…p"),
    (3, "pa…", "…ip"),
    (8, "package…", "pa…2.zip"),
    (13, "package-2.zip", "package-2.zip"),
    (40, "package-2.zip", "package-2.zip"),
])
def test_fit_end_and_middle_at_every_small_width(width, end, middle):
    assert fit_end("package-2.zip", width) == end
    assert fit_middle("package-2.zip", width) == middle


def test_the_header_shortens_a_path_keeping_its_end():
    assert fit_middle("/home/me/spark/workspace", 12) == "/ho…orkspace"


def test_wide_characters_count_two_cells_and_are_never_split():
    text = "日本語のサービス名"  # 9 characters, 18 cells
    for width in range(0, 20):
        for fitted in (fit_end(text, width), fit_middle(text, width)):
            assert cell_len(fitted) <= width
            assert fitted == text or fitted.count("…") == 1 or width == 0
    assert fit_end(text, 6) == "日本…"  # 5 cells: a third wide character would need 7
    assert fit_middle(text, 7) == "日…ス名"  # head 2 cells, tail 4 cells
    assert fit_end(text, 18) == text


def test_a_styled_text_keeps_its_styles_around_the_ellipsis():
    text = Text.assemble(("abcdef", "bold"), ("ghij", "italic"))
    fitted = fit_middle(text, 7)
    assert isinstance(fitted, Text) and fitted.plain == "ab…ghij"
    assert [(fitted.plain[s.start:s.end], s.style) for s in fitted.spans] == [("ab", "bold"), ("ghij", "italic")]
    assert fit_end(text, 5).plain == "abcd…" and fit_end(text, 20) is text


def test_columns_share_the_room_narrowing_the_widest_first():
    assert column_widths([10, 40, 7], 80) == [10, 40, 7]
    assert column_widths([10, 40, 30], 60) == [10, 25, 25]
    assert column_widths([3, 40, 40], 10) == [3, 4, 4]  # no room even for the minimums: the table scrolls
    # ids (shortened in the middle) give up their width first, down to 12 cells, before the words do
    assert column_widths([21, 15, 64, 36], 80, first=[False, False, True, True]) == [21, 15, 22, 22]
    assert column_widths([21, 15, 64, 36], 50, first=[False, False, True, True]) == [12, 12, 12, 12]


async def test_at_80x24_every_footer_label_of_the_main_screen_is_whole():
    """^r Refresh and l Log are left to F1 Help and the palette so that Promote is whole (not `^o Promot`)."""
    from textual.widgets._footer import FooterKey
    from test_tui_snapshots import make_app, settle

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause()
        keys = list(app.screen.query(FooterKey))
        assert [key.description for key in keys][:2] == ["Quit", "Help"]
        assert "Promote" in [key.description for key in keys]
        palette = next(key for key in keys if key.description == "Commands")  # docked right, over what runs under it
        for key in keys:
            assert key is palette or key.region.right < palette.region.x, f"{key.description} is cut at 80 columns"
        assert palette.region.right <= 80


KEYS = [("^q", "Quit"), ("f1", "Help"), ("^p", "Commands"), ("space", "Mark"), ("/", "Filter"), ("p", "Preview")]


@pytest.mark.parametrize(("width", "shown"), [
    (80, ["Quit", "Help", "Commands", "Mark", "Filter", "Preview"]),  # 8 + 8 + 12 + 11 + 9 + 10 = 58 cells
    (58, ["Quit", "Help", "Commands", "Mark", "Filter", "Preview"]),
    (57, ["Quit", "Help", "Commands", "Mark", "Filter", None]),  # whole keys left out, the last first
    (40, ["Quit", "Help", "Commands", "Mark", None, None]),
    (28, ["Quit", "Help", "Commands", None, None, None]),
    (27, ["Quit", "Help", None, None, None, None]),
    (16, ["Quit", "Help", None, None, None, None]),
    # narrower than the two kept keys whole: their labels end in "…", room kept for the keys after them
    (15, ["Quit", "He…", None, None, None, None]),
    (14, ["Quit", "H…", None, None, None, None]),
    (13, ["Quit", "", None, None, None, None]),
    (11, ["Quit", "", None, None, None, None]),
    (10, ["Qu…", "", None, None, None, None]),
    (9, ["Q…", "", None, None, None, None]),
    (6, ["", "", None, None, None, None]),
    (5, ["", None, None, None, None, None]),  # not even the key: left out
])
def test_fit_keys_leaves_out_whole_keys_and_never_the_kept_ones(width, shown):
    assert fit_keys(KEYS, width, keep=2) == shown


def test_fit_keys_never_shows_a_key_after_one_left_out():
    keys = [("^q", "Quit"), ("f1", "Help"), ("e", "A long description"), ("x", "Short")]
    assert fit_keys(keys, 30, keep=2) == ["Quit", "Help", None, None]  # "x Short" would fit, but e ranks higher
    assert fit_keys(keys, 30) == ["Quit", "Help", None, None]
    assert fit_keys(keys, 8) == ["Quit", None, None, None]
    assert fit_keys(keys, 7) == [None, None, None, None]  # nothing kept: nothing cut either


def test_fit_part_shortens_one_part_in_the_middle_keeping_the_others_whole():
    from spark_tui.tui.fit import fit_part

    parts = [Text("Export job "), Text("28f4a3bb-0000-4000-8000-000000009003"), Text("  ◐ in_progress")]
    assert fit_part(parts, 1, 80).plain == "Export job 28f4a3bb-0000-4000-8000-000000009003  ◐ in_progress"
    assert fit_part(parts, 1, 48).plain == "Export job 28f4a3b…0-000000009003  ◐ in_progress"  # 22 cells for the id
    assert fit_part(parts, 1, 30).plain == "Export job 2…03  ◐ in_progress"  # 4 cells for the id, the fewest
    assert fit_part(parts, 1, 29).plain == "Export job 28f4a3bb-0000-400…"  # 3 would say nothing: cut at the end
