"""The download file name of an export (`file_name` of the request): a plain `.zip` file name."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Callable

from spark_tui.spark.errors import Code, ValidationFailed, api_error, excerpt

DEFAULT_FILE_NAME = "package.zip"
MAX_NAME_BYTES = 255
QUOTED_CHARS = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _refuse(name: str, why: str) -> ValidationFailed:
    short = len(name) <= QUOTED_CHARS  # a too-long name is quoted by its beginning only
    shown = repr(name) if short else f"'{excerpt(name, QUOTED_CHARS)}'"
    message = f"invalid file name {shown}: {why}; use a plain name such as 'my-export.zip'"
    return ValidationFailed.of([api_error(Code.INVALID_FILE_NAME.value, message, name if short else shown)])


def package_file_name(name: str | None) -> str:
    """The file name a package is saved under: `package.zip` by default, `.zip` appended when missing.

    Raises ValidationFailed (INVALID_FILE_NAME) for anything that is not a plain file name.
    """
    if name is None:
        return DEFAULT_FILE_NAME
    if not name.strip():
        raise _refuse(name, "it is empty")
    if name != name.strip():
        raise _refuse(name, "it starts or ends with spaces")
    if "/" in name or "\\" in name:
        raise _refuse(name, "it contains a path separator ('/' or '\\')")
    if ".." in name:
        raise _refuse(name, "it contains '..'")
    if name.startswith("."):
        raise _refuse(name, "it starts with '.' (a hidden or dot-only name)")
    if _CONTROL.search(name):
        raise _refuse(name, "it contains control characters")
    full = name if name.lower().endswith(".zip") else name + ".zip"
    try:
        encoded = full.encode("utf-8")
    except UnicodeEncodeError:
        raise _refuse(name, "it is not valid Unicode text") from None
    if len(encoded) > MAX_NAME_BYTES:
        raise _refuse(name, f"it is longer than {MAX_NAME_BYTES} bytes")
    return full


def free_name(directory: Path, name: str, taken: Callable[[Path], bool] = lambda path: False) -> str:
    """`name` with the first free `-2`, `-3`, … suffix: no file of that name in `directory` and not
    `taken` (a receipt beside it, another job's target). A name that already ends in such a suffix counts
    on from it (`package-2.zip` → `package-3.zip`), so repeated runs never give `package-2-2.zip`."""
    stem = name[:-4] if name.lower().endswith(".zip") else name
    stem = re.sub(r"-\d+$", "", stem) or stem
    for n in itertools.count(2):
        candidate = f"{stem}-{n}.zip"
        if not (directory / candidate).exists() and not taken(directory / candidate):
            return candidate
    raise AssertionError("unreachable")  # itertools.count never ends
