"""Syntax-level checks of an export request, needing no catalog: every layer can run them (the engine
before resolving, `--batch` before it opens a backend)."""

from __future__ import annotations

from dataclasses import dataclass, field

from spark_tui.spark.errors import Code, ValidationFailed
from spark_tui.spark.filenames import package_file_name
from spark_tui.spark.models import ApiError, ExportRequest, VersionFilter
from spark_tui.spark.uri import InvalidReference, ServiceRef, parse_service_ref, parse_version_id, validate_name


@dataclass(frozen=True)
class ParsedInputs:
    """The well-formed references of a request, as (text the user typed, parsed value)."""

    folders: list[str] = field(default_factory=list)
    services: list[ServiceRef] = field(default_factory=list)
    version_ids: list[tuple[str, str]] = field(default_factory=list)


def api_error(code: Code, message: str, ref: str | None) -> ApiError:
    return ApiError(code=code.value, message=message, ref=ref)


def parse_request(request: ExportRequest) -> tuple[ParsedInputs, list[ApiError]]:
    """The well-formed references of `request` and every syntax error (no inputs, malformed reference
    or id, bad file name, `latest` with a specific version)."""
    parsed = ParsedInputs()
    errors: list[ApiError] = []
    inputs = request.inputs
    if inputs.is_empty:
        errors.append(api_error(Code.NO_INPUTS, "the request has no inputs; give at least one folder, service or version id", None))
    for name in inputs.folders:
        try:
            parsed.folders.append(validate_name("folder", name))
        except InvalidReference as exc:
            errors.append(api_error(Code.INVALID_REFERENCE, f"inputs.folders: {exc}", name))
    for text in inputs.services:
        try:
            parsed.services.append(parse_service_ref(text))
        except InvalidReference as exc:
            errors.append(api_error(Code.INVALID_REFERENCE, str(exc), text))
    for text in inputs.version_ids:
        try:
            parsed.version_ids.append((text, parse_version_id(text)))
        except InvalidReference as exc:
            errors.append(api_error(Code.INVALID_REFERENCE, str(exc), text))
    try:
        package_file_name(request.file_name)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    if request.version_filter is VersionFilter.latest:
        specific = [r.text for r in parsed.services if r.names_specific_version] + [t for t, _ in parsed.version_ids]
        errors.extend(
            api_error(
                Code.LATEST_WITH_SPECIFIC_VERSION,
                f"'{text}' names a specific version but version_filter is 'latest'; "
                "remove the version or use version_filter 'all'",
                text,
            )
            for text in specific
        )
    return parsed, errors


def check_request(request: ExportRequest) -> list[ApiError]:
    """Syntax-level problems of a request: no inputs, malformed references or ids, bad file name,
    `latest` combined with a specific version. Reads no database."""
    return parse_request(request)[1]
