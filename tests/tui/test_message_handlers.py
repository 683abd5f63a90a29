"""Message handlers stay wired: Textual calls `on_<namespace>_<message>` by name and silently skips a
method whose name matches no message (a renamed widget or message orphans it), and a message no one
handles is posted into the void."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import textual.events  # noqa: F401 - its events join the known messages
import textual.widgets
from textual.message import Message
from textual.message_pump import MessagePump

import spark_tui.tui
from spark_tui.tui.widgets.catalog import CatalogTree


def _all_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


def _load_everything() -> None:
    for name in textual.widgets.__all__:  # textual.widgets loads its widgets lazily
        getattr(textual.widgets, name)
    root = Path(spark_tui.tui.__file__).parent  # screens/ and widgets/ are namespace packages: walk the files
    for path in root.rglob("*.py"):
        if path.name != "__init__.py":
            importlib.import_module(".".join(("spark_tui", "tui", *path.relative_to(root).with_suffix("").parts)))


def _ours(cls: type) -> bool:
    return cls.__module__.startswith("spark_tui.tui.")


def _by_name_handlers() -> dict[str, str]:
    """`Class.method` -> handler name, for every on_* / _on_* method the TUI's widgets, screens and app define
    (methods decorated with @on are dispatched by their decorator, not their name)."""
    _load_everything()
    handlers = {}
    for cls in filter(_ours, _all_subclasses(MessagePump)):
        for name, member in vars(cls).items():
            if inspect.isfunction(member) and name.lstrip("_").startswith("on_") and not hasattr(member, "_textual_on"):
                handlers[f"{cls.__qualname__}.{name}"] = name.lstrip("_")
    return handlers


def test_every_on_method_names_a_message() -> None:
    handlers = _by_name_handlers()
    known = {message.handler_name for message in _all_subclasses(Message)}
    orphans = sorted(method for method, name in handlers.items() if name not in known)
    assert not orphans, f"no message is handled by {orphans}: rename them to a message's handler_name"
    # the walk sees the handlers this check exists for (a walk that found nothing would pass too)
    assert handlers["MainScreen.on_catalog_tree_marks_changed"] == CatalogTree.MarksChanged.handler_name


def test_every_message_of_the_tui_has_a_handler() -> None:
    handlers = set(_by_name_handlers().values())
    decorated = set()
    for cls in filter(_ours, _all_subclasses(MessagePump)):
        decorated |= set(vars(cls).get("_decorated_handlers", {}))
    ours = sorted((m for m in _all_subclasses(Message) if _ours(m)), key=lambda m: m.__qualname__)
    unhandled = [m.__qualname__ for m in ours if m.handler_name not in handlers and m not in decorated]
    assert {"MainScreen.JobsRefreshed", "CatalogTree.MarksChanged"} <= {m.__qualname__ for m in ours}  # the walk found them
    assert not unhandled, f"messages nobody handles: {unhandled}"


def test_the_tui_messages_are_nested_on_the_class_that_posts_them() -> None:
    _load_everything()
    flat = sorted(m.__qualname__ for m in _all_subclasses(Message) if _ours(m) and "." not in m.__qualname__)
    assert not flat, f"module-level messages (nest them on the widget or screen that posts them): {flat}"

