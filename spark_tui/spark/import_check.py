"""Checks of an import request that need no package and no catalog: every layer can run them (the
engine before it reads the package, a promotion before it plans)."""

from __future__ import annotations

from spark_tui.spark.errors import Code, excerpt
from spark_tui.spark.export_wire import ApiError
from spark_tui.spark.import_wire import ImportRequestEntity
from spark_tui.spark.request_check import api_error, text_errors
from spark_tui.spark.uri import InvalidReference, parse_service_ref, service_uri, validate_name


def service_pair(text: str) -> tuple[str, str]:
    """(folder, service) of a `services_modify` URI; InvalidReference unless it is `folder/service`."""
    wrong = InvalidReference(f"'{excerpt(text)}' is not a folder/service URI; services_modify takes {{folder}}/{{service}}")
    try:
        ref = parse_service_ref(text)
    except InvalidReference:
        folder, sep, service = text.strip().partition("/")
        if sep and "/" not in service:  # the shape is right: name the part no package can hold
            validate_name("folder", folder)
            validate_name("service", service)
        raise wrong from None
    if ref.folder is None or ref.service is None or ref.version_spec is not None:
        raise wrong
    return validate_name("folder", ref.folder), validate_name("service", ref.service)


def check_import_request(entity: ImportRequestEntity) -> list[ApiError]:
    """What is wrong with the request itself (no package, no database): over-long texts, bad URIs,
    repeated sources or destinations. Unknown `services_existing` values are refused when the entity is parsed."""
    errors: list[ApiError] = text_errors(entity)
    sources: set[tuple[str, str]] = set()
    destinations: set[tuple[str, str]] = set()
    for n, mapping in enumerate(entity.inputs.services_modify):
        where = f"inputs.services_modify[{n}]"
        try:
            source = service_pair(mapping.service_uri_source)
            destination = service_pair(mapping.destination)
        except InvalidReference as exc:
            errors.append(api_error(Code.INVALID_REFERENCE, f"{where}: {exc}", mapping.service_uri_source))
            continue
        if source in sources:
            errors.append(api_error(
                Code.INVALID_VALUE, f"{where}: '{service_uri(*source)}' is mapped twice; map each source once",
                mapping.service_uri_source,
            ))
        if destination in destinations:
            errors.append(api_error(
                Code.INVALID_VALUE,
                f"{where}: two services are mapped to '{service_uri(*destination)}'; give each its own destination",
                mapping.destination,
            ))
        sources.add(source)
        destinations.add(destination)
    return errors
