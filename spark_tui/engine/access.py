"""The one access rule for a folder's content, used by every operation and route that reads or
writes it: export and preview (through the resolver), browse v1/v3, the v3 `exists` route, the
embedded backend and import.

A folder with a `required_group` is open only to callers in that group; any other folder is open
to every caller of its tenant.
"""

from __future__ import annotations

import sqlite3
from typing import Iterable

from spark_tui.engine.store import NotFound, Workspace
from spark_tui.spark.errors import Code, NotFoundError, ValidationFailed, api_error
from spark_tui.spark.values import FolderInfo


class FolderNotFound(NotFoundError):
    """The folder does not exist in the tenant (HTTP 404, exit 2)."""


class AccessDenied(ValidationFailed):
    """The folder is restricted to a group the caller lacks (HTTP 403, exit 2)."""

    http_status = 403


def may_access(required_group: str | None, groups: Iterable[str]) -> bool:
    """Whether a caller in `groups` may read or write a folder restricted to `required_group`."""
    return not required_group or required_group in groups


def denied_message(folder: str, required_group: str, user: str | None = None) -> str:
    """Why access to `folder` is refused, and the fix."""
    who = f"user '{user}'" if user else "the caller"
    return (
        f"folder '{folder}' is restricted to group '{required_group}', which {who} is not in; "
        "ask for that group or leave the folder out"
    )


def require_folder_access(
    ws: Workspace, tenant: str, folder: str, user: str | None, groups: Iterable[str],
    *, db: sqlite3.Connection | None = None,
) -> sqlite3.Row:
    """The folder's catalog row when the caller may access it.

    Raises FolderNotFound when the tenant has no such folder, AccessDenied when it is restricted
    to a group the caller lacks. Pass `db` to read inside an open transaction.
    """
    try:
        row = ws.folder(tenant, folder, db=db)
    except NotFound as exc:
        raise FolderNotFound(str(exc), [api_error(Code.FOLDER_NOT_FOUND.value, str(exc), folder)]) from None
    if not may_access(row["required_group"], groups):
        message = denied_message(folder, row["required_group"], user)
        raise AccessDenied(message, [api_error(Code.ACCESS_DENIED.value, message, folder)])
    return row


def folder_info(row: sqlite3.Row, groups: Iterable[str]) -> FolderInfo:
    """A folder row of the store (`folder_page`, `folder_by_id`), saying whether a caller in `groups` may open it."""
    return FolderInfo(
        id=row["id"], name=row["name"], service_count=row["n"], required_group=row["required_group"],
        accessible=may_access(row["required_group"], groups), description=row["description"],
        category=row["category"], status=row["status"], start_date=row["start_date"], launch_date=row["launch_date"],
        created=row["created"], updated=row["updated"], created_by=row["created_by"],
    )


def list_folders(
    ws: Workspace, tenant: str, groups: tuple[str, ...] = (), page: int = 1, page_size: int = 100,
    *, order: str = "name", descending: bool = False,
) -> tuple[list[FolderInfo], int]:
    """One page of the tenant's folders in `order` (store.FOLDER_ORDERS), each saying whether a caller
    in `groups` may open it; and their total."""
    rows, total = ws.folder_page(tenant, page, page_size, order=order, descending=descending)
    return [folder_info(r, groups) for r in rows], total
