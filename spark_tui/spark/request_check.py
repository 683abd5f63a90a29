"""Syntax-level checks of an export request, needing no catalog: every layer can run them (the engine
before resolving, `--batch` before it opens a backend)."""

from __future__ import annotations

from dataclasses import dataclass, field

from spark_tui.spark.errors import Code, ValidationFailed, excerpt
from spark_tui.spark.filenames import package_file_name
from spark_tui.spark.import_wire import ImportRequestEntity
from spark_tui.spark.export_wire import ApiError, ExportInputs, ExportRequest
from spark_tui.spark.values import VersionFilter
from spark_tui.spark.uri import InvalidReference, ServiceRef, parse_service_ref, parse_version_id, validate_name

MAX_REFERENCES = 10_000  # folders + services + version ids of one request
MAX_REFERENCE_CHARS = 600  # a folder and a service name of 255 bytes each, and a version
MAX_TEXT_CHARS = 256  # source_system, correlation_id


@dataclass(frozen=True)
class ParsedInputs:
    """The well-formed references of a request, as (text the user typed, parsed value)."""

    folders: list[str] = field(default_factory=list)
    services: list[ServiceRef] = field(default_factory=list)
    version_ids: list[tuple[str, str]] = field(default_factory=list)


def api_error(code: Code, message: str, ref: str | None) -> ApiError:
    return ApiError(code=code.value, message=message, ref=ref)


def text_errors(request: ExportRequest | ImportRequestEntity) -> list[ApiError]:
    """Free-text fields of an export or import request too long to store and echo on every status."""
    return [
        api_error(Code.INVALID_VALUE, f"{name} has {len(value)} characters, more than {MAX_TEXT_CHARS}; shorten it", name)
        for name, value in (("source_system", request.source_system), ("correlation_id", request.correlation_id))
        if value is not None and len(value) > MAX_TEXT_CHARS
    ]


def _size_errors(inputs: ExportInputs) -> list[ApiError]:
    """Too many references, or one too long to be a reference: checked before parsing any."""
    count = len(inputs.folders) + len(inputs.services) + len(inputs.version_ids)
    if count > MAX_REFERENCES:
        message = (
            f"the request names {count} references, more than {MAX_REFERENCES}; "
            "split it into several exports or name whole folders"
        )
        return [api_error(Code.INVALID_VALUE, message, "inputs")]
    return [
        api_error(
            Code.INVALID_REFERENCE,
            f"inputs.{kind}: '{excerpt(text)}' is not a reference: it is longer than {MAX_REFERENCE_CHARS} characters",
            excerpt(text),
        )
        for kind, texts in (("folders", inputs.folders), ("services", inputs.services), ("version_ids", inputs.version_ids))
        for text in texts
        if len(text) > MAX_REFERENCE_CHARS
    ]


def parse_request(request: ExportRequest) -> tuple[ParsedInputs, list[ApiError]]:
    """The well-formed references of `request` and every syntax error (no inputs, malformed reference
    or id, bad file name, `latest` with a specific version, too many or too long references or texts)."""
    parsed = ParsedInputs()
    inputs = request.inputs
    errors = text_errors(request)
    if too_big := _size_errors(inputs):
        return parsed, errors + too_big
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
