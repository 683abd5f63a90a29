"""Semantic versions: parsing, SemVer 2.0 precedence and whole-component "starts with" matching."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, total_ordering

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
# A version spec is a prefix of a version, cut at a component boundary: "1", "1.2", "1.2.3",
# "1.2.3-rc", "1.2.3-rc.1".
_NUM = r"(?:0|[1-9]\d*)"  # no leading zeros: "1.02" could never match a valid version
_SPEC = re.compile(rf"^{_NUM}(?:\.{_NUM}(?:\.{_NUM}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?)?$")


class InvalidVersion(ValueError):
    """A string that is not a semantic version (or version spec)."""


@total_ordering
@dataclass(frozen=True, slots=True)
class SemVer:
    """A parsed semantic version; ordering is SemVer 2.0 precedence (build metadata ignored)."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: str = ""

    @classmethod
    def parse(cls, text: str) -> SemVer:
        match = _SEMVER.match(text.strip())
        if not match:
            raise InvalidVersion(
                f"'{text}' is not a semantic version; expected MAJOR.MINOR.PATCH such as 1.2.3 or 2.0.0-rc.1"
            )
        major, minor, patch, pre, build = match.groups()
        return cls(int(major), int(minor), int(patch), tuple(pre.split(".")) if pre else (), build or "")

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + self.build
        return text

    def sort_key(self) -> tuple:
        """A tuple ordered by SemVer 2.0 precedence: a release ranks above its pre-releases,
        numeric pre-release identifiers below alphanumeric ones; build metadata is ignored."""
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 1 if not self.prerelease else 0, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self.sort_key() < other.sort_key()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self.sort_key() == other.sort_key()

    def __hash__(self) -> int:
        return hash(self.sort_key())

    def bump(self, part: str) -> SemVer:
        """The next release after this one by `part` (major, minor or patch)."""
        if part == "major":
            return SemVer(self.major + 1, 0, 0)
        if part == "minor":
            return SemVer(self.major, self.minor + 1, 0)
        if part == "patch":
            return SemVer(self.major, self.minor, self.patch + 1)
        raise ValueError(f"unknown version part '{part}'; use major, minor or patch")


@lru_cache(maxsize=100_000)
def precedence_key(text: str) -> tuple:
    """`SemVer.parse(text).sort_key()`, cached: catalogs repeat the same version strings a lot."""
    return SemVer.parse(text).sort_key()


def is_valid_spec(spec: str) -> bool:
    """Whether `spec` is a usable version spec (a component-wise prefix of a semantic version)."""
    return bool(_SPEC.match(spec))


def _components(text: str) -> list[str]:
    core, _, pre = text.partition("-")
    return core.split(".") + (["-" + p for p in pre.split(".")] if pre else [])


def matches_spec(spec: str, version: str) -> bool:
    """True when `version` starts with `spec` by whole components: 3.2 ~ 3.2.7, never 3.20.1."""
    want = _components(spec)
    have = _components(version.split("+", 1)[0])
    return have[: len(want)] == want


def latest_matching(spec: str, versions: list[str]) -> str | None:
    """The highest version (by semver precedence) that matches `spec`, or None."""
    candidates = [v for v in versions if matches_spec(spec, v)]
    return max(candidates, key=SemVer.parse, default=None)
