"""The download file name: default, `.zip` suffix, and refusal of anything but a plain file name."""

from __future__ import annotations

import pytest

from spark_tui.spark.errors import Code, ValidationFailed
from spark_tui.spark.filenames import package_file_name


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, "package.zip"),
        ("export", "export.zip"),
        ("export.zip", "export.zip"),
        ("EXPORT.ZIP", "EXPORT.ZIP"),
        ("my export v1.2", "my export v1.2.zip"),
        ("x" * 251, "x" * 251 + ".zip"),  # 255 bytes with the suffix: the limit
        ("é" * 125, "é" * 125 + ".zip"),  # 250 + 4 bytes of UTF-8
    ],
)
def test_plain_names_are_kept_and_get_zip(given: str | None, expected: str) -> None:
    assert package_file_name(given) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "", "   ", " lead", "trail ", "a/b", "/abs.zip", "a\\b", "..", "../up", "a..b", ".", ".zip", ".hidden",
        "tab\there", "nul\x00", "bell\x07", "del\x7f", "x" * 252, "é" * 126, "\ud800",
    ],
)
def test_unsafe_names_are_refused_naming_the_value(bad: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        package_file_name(bad)
    (error,) = info.value.errors
    assert error.code == Code.INVALID_FILE_NAME.value
    assert error.ref == bad
    assert repr(bad) in error.message and "\n" not in error.message
