"""The service-identifier grammar of `inputs.services` (C.SPARK_XCALL format and UUID forms).

Accepted forms:
  {folder}/{service}            every version (or the latest with version_filter=latest)
  {folder}/{service}[{spec}]    the latest version whose semver starts with {spec}
  folders/{f}/services/{s}[..]  the SDK's long form of the same
  {uuid} or service/{uuid}      a service by its id
  version/{uuid}                one version by its id
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass

from spark_tui.spark.errors import excerpt
from spark_tui.spark.semver import is_valid_spec

_HIDDEN = ("Cc", "Cf")
_NAME = re.compile(r"^[^/\\\[\]\x00-\x1f\x7f]+$")
MAX_NAME_BYTES = 255
_REF = re.compile(r"^(?P<folder>[^/]*)/(?P<service>[^/\[]*)(?:\[(?P<spec>[^\]]*)\])?$")


class InvalidReference(ValueError):
    """A service identifier that does not follow the grammar; the message names it and the fix."""


@dataclass(frozen=True, slots=True)
class ServiceRef:
    """A parsed `inputs.services` entry. Exactly one of the three shapes is set."""

    text: str
    folder: str | None = None
    service: str | None = None
    version_spec: str | None = None
    service_id: str | None = None
    version_id: str | None = None

    @property
    def names_specific_version(self) -> bool:
        return self.version_spec is not None or self.version_id is not None


FORMS = "{folder}/{service}, {folder}/{service}[1.2], a service UUID, service/{uuid} or version/{uuid}"


def normalize_uuid(text: str) -> str | None:
    """The canonical lowercase form of a UUID string, or None when it is not one."""
    try:
        return str(uuid.UUID(text)) if len(text.strip()) == 36 else None
    except ValueError:
        return None


def validate_name(kind: str, name: str) -> str:
    """A tenant, folder or service name: it becomes a directory of a package's ZIP, so it must be
    non-empty, at most 255 bytes of UTF-8, not '.' or '..', and free of '/', '\\', brackets,
    control characters and surrounding spaces. Unicode controls (Cc: C0, C1) and format characters
    (Cf: bidi overrides, zero-width marks) are refused too: they make one name look like another."""
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        size = -1
    if not name or size < 0 or size > MAX_NAME_BYTES or name in (".", "..") or not _NAME.match(name) or name != name.strip():
        raise InvalidReference(
            f"invalid {kind} name '{excerpt(name)}': names must be non-empty text of at most {MAX_NAME_BYTES} bytes, "
            "not '.' or '..', without '/', '\\', '[', ']', control characters or surrounding spaces"
        )
    hidden = next((c for c in name if unicodedata.category(c) in _HIDDEN), None)
    if hidden is not None:
        raise InvalidReference(
            f"invalid {kind} name '{excerpt(name)}': it contains U+{ord(hidden):04X} ({unicodedata.name(hidden, 'a control character')}), "
            "an invisible control or format character; remove it"
        )
    return name


def parse_service_ref(text: str) -> ServiceRef:
    """Parse one `inputs.services` entry, raising InvalidReference naming the bad value."""
    raw = text.strip()
    if not raw:
        raise InvalidReference(f"empty service reference; use {FORMS}")
    if (uid := normalize_uuid(raw)) is not None:
        return ServiceRef(text, service_id=uid)
    for prefix, field in (("service/", "service_id"), ("version/", "version_id")):
        if raw.startswith(prefix):
            uid = normalize_uuid(raw[len(prefix):])
            if uid is None:
                raise InvalidReference(f"'{text}': '{raw[len(prefix):]}' is not a UUID; use {prefix}<uuid>")
            return ServiceRef(text, **{field: uid})
    long = re.match(r"^folders/([^/]+)/services/(.+)$", raw)
    body = f"{long.group(1)}/{long.group(2)}" if long else raw
    match = _REF.match(body)
    if not match:
        raise InvalidReference(f"'{text}' is not a service reference; use {FORMS}")
    folder, service, spec = match.group("folder", "service", "spec")
    try:
        validate_name("folder", folder)
        validate_name("service", service)
    except InvalidReference as exc:
        raise InvalidReference(f"'{text}': {exc}; use {FORMS}") from None
    if spec is not None:
        spec = spec.strip()
        if spec == "":
            spec = None
        elif not is_valid_spec(spec):
            raise InvalidReference(
                f"'{text}': version '{spec}' is not a semantic version prefix such as 1, 1.2 or 1.2.3"
            )
    return ServiceRef(text, folder=folder, service=service, version_spec=spec)


def parse_version_id(text: str) -> str:
    """An `inputs.version_ids` entry: a UUID (a `version/` prefix is tolerated)."""
    raw = text.strip().removeprefix("version/")
    uid = normalize_uuid(raw)
    if uid is None:
        raise InvalidReference(f"version id '{text}' is not a UUID (e.g. 91299a5d-9328-4435-911b-4e5f7783f5d4)")
    return uid


def service_uri(folder: str, service: str, version: str | None = None) -> str:
    """`{folder}/{service}` or `{folder}/{service}[{version}]`."""
    return f"{folder}/{service}[{version}]" if version else f"{folder}/{service}"
