"""The batch operation registry: every declaration loads, and selection and usage errors follow from it."""

from __future__ import annotations

import inspect

import pytest

from spark_tui.batch import registry
from spark_tui.batch.registry import OPERATIONS, select


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
def test_every_declared_function_loads_with_the_registry_signature(operation: registry.Operation) -> None:
    run = operation.load("run")
    assert list(inspect.signature(run).parameters) == ["args", "config", "profile", "console"]
    if operation.preflight is not None:
        assert list(inspect.signature(operation.load("preflight")).parameters) == ["args", "config"]


def test_names_and_flags_are_unique() -> None:
    assert len({op.name for op in OPERATIONS}) == len(OPERATIONS)
    flags = [f for dest in registry.BATCH_DESTS for f in registry.flag(dest).split("/")]
    assert len(flags) == len(set(flags))


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ([], "export"),
        (["folder", "dry_run"], "export"),
        (["status"], "status"),
        (["import_package"], "import-package"),
        (["import_package", "plan", "map"], "import-plan"),
        (["import_package", "push_runner"], "push-package"),
        (["promote_to", "folder", "plan"], "promote"),
        (["push_runner", "folder"], "push-runner"),
        (["inspect", "json"], "inspect"),
    ],
)
def test_the_operation_with_the_most_triggers_given_is_selected(given: list[str], name: str) -> None:
    operation, problem = select(given)
    assert (operation.name, problem) == (name, None)


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        (["status", "no_wait"], "--no-wait cannot be combined with --status"),
        (["import_package", "plan", "no_wait"], "--no-wait cannot be combined with --import-package"),
        (["folder", "upgrade"], "--upgrade goes with --import-package or --promote-to"),
        (["folder", "if_present"], "--if-present goes with --import-package or --load-package or --promote-to"),
        (["folder", "create_folders"],
         "--create-folders goes with --promote-to (create folders first with --create-folder NAME)"),
        (["push_runner", "folder", "dry_run"], "--push-runner cannot be combined with --dry-run"),
        (["import_package", "push_runner", "upgrade"],
         "--upgrade does not go with --push-runner (a Hybrid Runner takes the package as it is)"),
        (["promote_to", "push_runner"], "--promote-to cannot be combined with --push-runner (use --plan to only see the plan)"),
    ],
)
def test_an_option_the_operation_does_not_take_is_named_with_who_takes_it(given: list[str], problem: str) -> None:
    assert select(given)[1] == problem


def test_help_sections_hold_every_option_once() -> None:
    shown = [o.dest for _, options in registry.sections() for o in options]
    assert sorted(shown + [o.dest for o in registry.GLOBAL]) == sorted(registry.BATCH_DESTS)
