"""Spark's v1 folder API for promotions: does a folder exist, create one, read it back.

`POST /api/v1/product/create` answers in the v1 envelope (`status: "Success"`, `data.folderId`,
`data.get_product_url`); creating an existing folder answers HTTP 200 with `status: "Error"` and
`errorCode: PRODUCT_ALREADY_EXISTS`, as Spark does (the SDK turns that into a 409). The tenant
comes from `x-tenant-name`, as on every v1 route. The form's Description, Category, Status, StartDate
and LaunchDate are stored with the creator's user name and the time, and read back by get and list. An API-key caller cannot create a folder (401), as
the SDK's folder docs say of Spark.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import datetime
from urllib.parse import quote, unquote_to_bytes

from fastapi import APIRouter, Request
from python_multipart import parse_form
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import Field

from spark_tui.engine.access import folder_info
from spark_tui.engine.store import FolderDetails, NotFound
from spark_tui.server.auth import auth_failure
from spark_tui.server.routes_browse import _not_found, _tenant_caller
from spark_tui.spark.browse_wire import V1Envelope, V1Folder, V1FolderCreated
from spark_tui.spark.errors import Code, ValidationFailed, excerpt
from spark_tui.spark.export_wire import ApiError
from spark_tui.spark.uri import InvalidReference, validate_name

router = APIRouter(tags=["folders"])
MAX_FORM_FIELDS = 20
TEXT_FIELDS = {"Description": 2000, "Category": 100, "Status": 100}  # the longest each may be
DATE_FIELDS = ("StartDate", "LaunchDate")


@router.post("/api/v1/product/isproductexists/{name}", summary="Whether a folder exists")
def folder_exists(name: str, request: Request) -> dict:
    ctx, tenant, _ = _tenant_caller(request)
    try:
        ctx.ws.folder(tenant, name)
    except NotFound:
        return V1Envelope[bool](data=False).model_dump(mode="json")
    return V1Envelope[bool](data=True).model_dump(mode="json")


@router.post(
    "/api/v1/product/create", summary="Create a folder (form fields Name, Description, Category, StartDate, LaunchDate, Status)",
)
async def create_folder(request: Request) -> dict:
    ctx, tenant, who = _tenant_caller(request)
    if not request.headers.get("authorization"):  # identified by x-synthetic-key
        raise auth_failure("an API key cannot create folders (as on Spark); use a bearer token or OAuth2 client credentials")
    fields = await _form_fields(request)
    name = fields.get("Name")
    if not name:
        raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, message="the Name form field is missing", ref="Name")])
    details = _details(fields, who.user)
    try:
        folder_id = ctx.ws.add_folder(tenant, validate_name("folder", name), details=details)
    except InvalidReference as exc:
        raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, message=str(exc), ref=excerpt(name))]) from None
    except sqlite3.IntegrityError:
        message = f"folder '{name}' already exists in tenant '{tenant}'"
        return V1Envelope[None](
            status="Error", message=message, errorCode=Code.PRODUCT_ALREADY_EXISTS.value, data=None,
        ).model_dump(mode="json")
    url = f"{ctx.public_base(request)}/api/v1/product/get/{quote(folder_id)}"
    return V1Envelope[V1FolderCreated](data=V1FolderCreated(folderId=folder_id, get_product_url=url)).model_dump(mode="json")


def _details(fields: dict[str, str], user: str) -> FolderDetails:
    """The create form's Description, Category, Status (text, bounded) and StartDate, LaunchDate
    (ISO 8601, kept as sent), each refused with 422 naming the field when it is not usable."""
    text: dict[str, str | None] = {}
    for field, limit in TEXT_FIELDS.items():
        value = fields.get(field) or None
        if value is not None and len(value) > limit:
            message = f"the {field} form field has {len(value)} characters; send at most {limit}"
            raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, message=message, ref=field)])
        text[field] = value
    for field in DATE_FIELDS:
        value = fields.get(field) or None
        if value is not None:
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                message = f"the {field} form field '{excerpt(value)}' is not an ISO 8601 date; send e.g. 2025-01-31T00:00:00Z"
                raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, message=message, ref=field)]) from None
        text[field] = value
    return FolderDetails(
        description=text["Description"], category=text["Category"], status=text["Status"],
        start_date=text["StartDate"], launch_date=text["LaunchDate"], created_by=user,
    )


async def _form_fields(request: Request) -> dict[str, str]:
    """The form's fields (urlencoded or multipart; file parts ignored), refused with 422 when one is not UTF-8:
    Starlette would read undecodable bytes as Latin-1 or U+FFFD and create a folder under a name nobody sent."""
    content_type = request.headers.get("content-type", "")
    urlencoded = content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"
    raw: list[tuple[bytes, bytes]] = []

    def on_field(f: Field) -> None:
        if len(raw) < MAX_FORM_FIELDS and f.field_name is not None:
            raw.append((f.field_name, f.value or b""))

    body = await request.body()  # bounded by the body size limit of every route
    if not body:
        return {}
    try:
        parse_form({"Content-Type": content_type.encode("latin-1")}, io.BytesIO(body), on_field, lambda f: f.close())
    except (FormParserError, ValueError) as exc:
        message = f"the form cannot be read ({excerpt(str(exc))}); send application/x-www-form-urlencoded or multipart/form-data"
        raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, message=message, ref="body")]) from None
    fields: dict[str, str] = {}
    for key, value in raw:
        try:
            fields.setdefault(_text(key, urlencoded), _text(value, urlencoded))
        except UnicodeDecodeError:
            message = f"the form field '{excerpt(key.decode('latin-1'))}' is not valid UTF-8 text; send it as UTF-8"
            raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, message=message, ref="body")]) from None
    return fields


def _text(raw: bytes, urlencoded: bool) -> str:
    return (unquote_to_bytes(raw.replace(b"+", b" ")) if urlencoded else raw).decode("utf-8")


@router.get("/api/v1/product/get/{folder_id}", summary="One folder by id (the get_product_url of a created folder)")
def get_folder(folder_id: str, request: Request) -> dict:
    ctx, tenant, who = _tenant_caller(request)
    try:
        row = ctx.ws.folder_by_id(tenant, folder_id)
    except NotFound:
        shown = excerpt(folder_id)
        raise _not_found(Code.FOLDER_NOT_FOUND, NotFound(f"folder id '{shown}' not found in tenant '{tenant}'"), shown) from None
    return V1Envelope[V1Folder](data=V1Folder.of(folder_info(row, who.groups))).model_dump(mode="json")
