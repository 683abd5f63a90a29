"""Spark's v1 folder API for promotions: does a folder exist, create one, read it back.

`POST /api/v1/product/create` answers in the v1 envelope (`status: "Success"`, `data.folderId`,
`data.get_product_url`); creating an existing folder answers HTTP 200 with `status: "Error"` and
`errorCode: PRODUCT_ALREADY_EXISTS`, as Spark does (the SDK turns that into a 409). The tenant
comes from `x-tenant-name`, as on every v1 route. An API-key caller cannot create a folder (401), as
the SDK's folder docs say of Spark.
"""

from __future__ import annotations

import io
import sqlite3
from urllib.parse import quote, unquote_to_bytes

from fastapi import APIRouter, Request
from python_multipart import parse_form
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import Field

from spark_tui.engine.access import may_access
from spark_tui.engine.store import NotFound
from spark_tui.server.auth import auth_failure
from spark_tui.server.routes_browse import _not_found, _tenant_caller
from spark_tui.spark.browse_wire import V1Envelope, V1Folder, V1FolderCreated
from spark_tui.spark.errors import Code, ValidationFailed, excerpt
from spark_tui.spark.export_wire import ApiError, FolderInfo
from spark_tui.spark.uri import InvalidReference, validate_name

router = APIRouter(tags=["folders"])
MAX_FORM_FIELDS = 20


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
    ctx, tenant, _ = _tenant_caller(request)
    if not request.headers.get("authorization"):  # identified by x-synthetic-key
        raise auth_failure("an API key cannot create folders (as on Spark); use a bearer token or OAuth2 client credentials")
    name = (await _form_fields(request)).get("Name")
    if not name:
        raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, message="the Name form field is missing", ref="Name")])
    try:
        folder_id = ctx.ws.add_folder(tenant, validate_name("folder", name))
    except InvalidReference as exc:
        raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, message=str(exc), ref=excerpt(name))]) from None
    except sqlite3.IntegrityError:
        message = f"folder '{name}' already exists in tenant '{tenant}'"
        return V1Envelope[None](
            status="Error", message=message, errorCode=Code.PRODUCT_ALREADY_EXISTS.value, data=None,
        ).model_dump(mode="json")
    url = f"{ctx.public_base(request)}/api/v1/product/get/{quote(folder_id)}"
    return V1Envelope[V1FolderCreated](data=V1FolderCreated(folderId=folder_id, get_product_url=url)).model_dump(mode="json")


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
    row = ctx.ws.connect().execute(
        "SELECT f.id, f.name, f.required_group, (SELECT COUNT(*) FROM services s WHERE s.folder_id=f.id) AS n "
        "FROM folders f WHERE f.tenant=? AND f.id=?",
        (tenant, folder_id),
    ).fetchone()
    if row is None:
        shown = excerpt(folder_id)
        raise _not_found(Code.FOLDER_NOT_FOUND, NotFound(f"folder id '{shown}' not found in tenant '{tenant}'"), shown)
    info = FolderInfo(
        id=row["id"], name=row["name"], service_count=row["n"], required_group=row["required_group"],
        accessible=may_access(row["required_group"], who.groups),
    )
    return V1Envelope[V1Folder](data=V1Folder.of(info)).model_dump(mode="json")
