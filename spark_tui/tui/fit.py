"""Text fitted to a width in terminal cells: what does not fit is marked with "…", never cut silently.

`fit_end` for labels, names and sentences (the end goes); `fit_middle` for ids, hashes and paths, whose
start and end tell them apart. Widths are cells (`rich.cells.cell_len`), so wide characters count twice.
Both take a plain string or a styled `Text` and return the same kind; `column_widths` shares a table's
width among its columns so that the cells, not the screen edge, do the cutting; `fit_keys` chooses what a
one-line footer shows of its keys.
"""

from __future__ import annotations

from typing import TypeVar

from rich.cells import cell_len
from rich.text import Text

ELLIPSIS = "…"
MIN_COLUMN = 4  # a column is never narrowed below this: "ab…" still says something
ID_COLUMN = 12  # an id column narrowed first stops here: "r-202…-bbbb"

T = TypeVar("T", str, Text)


def _head(text: str, width: int) -> str:
    """The longest start of `text` within `width` cells (a wide character that would straddle is left out)."""
    used = 0
    for index, char in enumerate(text):
        used += cell_len(char)
        if used > width:
            return text[:index]
    return text


def _tail(text: str, width: int) -> str:
    """The longest end of `text` within `width` cells."""
    return _head(text[::-1], width)[::-1]


def _join(value: T, head: str, tail: str) -> T:
    """`value`'s first len(head) and last len(tail) characters around "…", keeping a Text's styles."""
    if isinstance(value, Text):
        end = len(value.plain) - len(tail)
        return Text.assemble(value[: len(head)], ELLIPSIS, value[end:] if tail else "")
    return head + ELLIPSIS + tail


def fit_end(value: T, width: int) -> T:
    """`value` in at most `width` cells, its end replaced by "…" when it is longer."""
    plain = value.plain if isinstance(value, Text) else value
    if cell_len(plain) <= width:
        return value
    if width <= 0:
        return value[:0]
    return _join(value, _head(plain, width - 1), "")


def fit_middle(value: T, width: int) -> T:
    """`value` in at most `width` cells, its middle replaced by "…" (a third kept before, the rest after)."""
    plain = value.plain if isinstance(value, Text) else value
    if cell_len(plain) <= width:
        return value
    if width <= 0:
        return value[:0]
    room = width - 1
    head = _head(plain, room // 3)
    return _join(value, head, _tail(plain, room - cell_len(head)))


def fit_part(parts: list[Text], index: int, width: int) -> Text:
    """`parts` joined in at most `width` cells, part `index` (an id, a path) shortened in the middle so that the
    others stay whole; when that would leave it fewer than MIN_COLUMN cells, the whole is cut at its end."""
    others = sum(part.cell_len for n, part in enumerate(parts) if n != index)
    whole = Text.assemble(*parts)
    room = width - others
    if whole.cell_len <= width or room < MIN_COLUMN:
        return fit_end(whole, width)
    return Text.assemble(*parts[:index], fit_middle(parts[index], room), *parts[index + 1:])


def column_widths(natural: list[int], room: int, minimum: int = MIN_COLUMN,
                  first: list[bool] | None = None) -> list[int]:
    """Widths summing to at most `room`: the widest columns narrowed first, none below `minimum` (or its natural
    width). Columns marked in `first` (ids, hashes: shortened in the middle they stay told apart) give up their
    width down to ID_COLUMN before the others. When even the minimums do not fit, the table scrolls sideways."""
    if sum(natural) <= room:
        return list(natural)
    if first and any(first):
        others = sum(w for w, f in zip(natural, first) if not f)
        ids = column_widths([w for w, f in zip(natural, first) if f], room - others, ID_COLUMN)
        if others + sum(ids) <= room:
            narrowed = iter(ids)
            return [next(narrowed) if f else w for w, f in zip(natural, first)]
    cap = max(natural)
    while cap > minimum and sum(min(w, cap) for w in natural) > room:
        cap -= 1
    return [min(w, cap) for w in natural]


def fit_keys(keys: list[tuple[str, str]], width: int, keep: int = 0) -> list[str | None]:
    """What a footer of `width` cells shows of `keys` (`(key, description)` in priority order, each drawn as
    "key description" plus one cell of gap): the description to draw for each key, or None for a key left out.

    Keys are taken whole while they fit; once one does not, it and every key after it are left out, so a key is
    never shown while one of higher priority is not. The first `keep` keys are never left out: when they do not
    all fit whole, each one's description is cut with "…" (or dropped, the key drawn alone) so as to leave room
    for the keys alone of those after it; only a key that does not fit even alone is left out."""
    shown: list[str | None] = []
    room, whole = width, True
    for index, (key, description) in enumerate(keys):
        alone = cell_len(key) + 1
        need = alone + (1 + cell_len(description) if description else 0)
        reserved = sum(cell_len(k) + 1 for k, _ in keys[index + 1:keep])
        if whole and need <= room - reserved:
            shown.append(description)
            room -= need
            continue
        whole = False
        if index >= keep or alone > room:
            shown.append(None)
            continue
        cut = fit_end(description, room - reserved - alone - 1) if room - reserved - alone - 1 >= 2 else ""
        shown.append(cut)
        room -= alone + (1 + cell_len(cut) if cut else 0)
    return shown
