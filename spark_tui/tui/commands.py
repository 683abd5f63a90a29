"""Command palette provider: export, preview, job actions, refresh, event log, profiles; each shows its keys,
read from the bindings (so a keymap change shows here too)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content


class SparkCommands(Provider):
    """Commands built from the current state (profiles of the config, the selected job)."""

    def _commands(self) -> list[tuple[str, str, object, str]]:
        """(text, key, callback, help) of every command; the key is '' when there is none."""
        app = self.app
        main = app.main
        keys = app.key_label  # read from the bindings, after the user's keymap
        commands: list[tuple[str, str, object, str]] = [
            ("Export: submit the export form", keys("main.export"), main.action_export, "Start an export job now"),
            ("Export: preview (dry run)", keys("main.preview"), main.action_preview, "What would be exported, or every error"),
            ("Promote: the selection to another profile", keys("main.promote"), main.action_promote, "Mapping, plan, then export + import"),
            ("Import: a package into this profile", keys("app.import"), partial(app.run_action, "open_kept('import')"),
             "Contents and integrity, mapping, plan, then the import job"),
            ("Environments: compare profiles", keys("app.environments"), partial(app.run_action, "open_kept('environments')"),
             "Services × profiles: what differs; promote the difference"),
            ("Receipts: promotions of this machine", keys("app.receipts"), partial(app.run_action, "open_kept('receipts')"),
             "Newest first; open one to see every version moved"),
            ("Jobs: cancel the selected job", keys("jobs.cancel"), main.action_cancel_job, "Asks before cancelling"),
            ("Jobs: open details of the selected job", keys("jobs.details"), main.action_open_details, "Progress, outputs, hash"),
            ("Jobs: save the selected package", keys("jobs.save"), main.action_save_package, "Verified copy to a directory"),
            ("Jobs: copy the selected job id", keys("jobs.copy_id"), partial(main.action_copy, "id"), "To the clipboard"),
            ("Jobs: copy the errors of the selected job", keys("jobs.copy_errors"), partial(main.action_copy, "errors"),
             "Code, message and item of each error"),
            ("Jobs: toggle own / tenant-wide", keys("jobs.scope"), main.action_toggle_scope, "Whose jobs the table shows"),
            ("Refresh catalog and jobs", keys("main.refresh"), main.action_refresh_all, "Reload; open folders stay open"),
            ("Log: what started, finished, failed", keys("main.log"), main.action_show_log, "The session's event log"),
            ("Help: keys and how-to", keys("app.help", "app.help_q"), app.action_help, "Every key of this screen"),
        ]
        current = app.backend.info.profile
        for name in sorted(app.config.profiles) if app.config else []:
            if name != current:
                commands.append((f"Profile: switch to {name}", "", partial(app.switch_profile, name),
                                 "Reconnect with another profile of the config"))
        return commands

    @staticmethod
    def _display(text: Content | str, key: str) -> Content:
        """The command's text followed by its key, e.g. `Export: submit the export form  e / F6`."""
        return Content.assemble(text, (f"  {key}", "bold")) if key else Content.assemble(text)

    async def discover(self) -> Hits:
        for text, key, callback, help_text in self._commands():
            yield DiscoveryHit(self._display(text, key), callback, text=text, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, key, callback, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, self._display(matcher.highlight(text), key), callback, text=text, help=help_text)
