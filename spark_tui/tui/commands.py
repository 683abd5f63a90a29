"""Command palette provider: export, preview, job actions, refresh, event log, profiles; each shows its key."""

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
        commands: list[tuple[str, str, object, str]] = [
            ("Export: submit the export form", "e / F6", main.action_export, "Start an export job now"),
            ("Export: preview (dry run)", "p / F5", main.action_preview, "What would be exported, or every error"),
            ("Promote: the selection to another profile", "ctrl+o", main.action_promote, "Mapping, plan, then export + import"),
            ("Import: a package into this profile", "F7", partial(app.run_action, "open_kept('import')"),
             "Contents and integrity, mapping, plan, then the import job"),
            ("Environments: compare profiles", "F8", partial(app.run_action, "open_kept('environments')"),
             "Services × profiles: what differs; promote the difference"),
            ("Receipts: promotions of this machine", "F9", partial(app.run_action, "open_kept('receipts')"),
             "Newest first; open one to see every version moved"),
            ("Jobs: cancel the selected job", "c", main.action_cancel_job, "Asks before cancelling"),
            ("Jobs: open details of the selected job", "enter", main.action_open_details, "Progress, outputs, hash"),
            ("Jobs: save the selected package", "s", main.action_save_package, "Verified copy to a directory"),
            ("Jobs: copy the selected job id", "y", partial(main.action_copy, "id"), "To the clipboard"),
            ("Jobs: toggle own / tenant-wide", "t", main.action_toggle_scope, "Whose jobs the table shows"),
            ("Refresh catalog and jobs", "ctrl+r", main.action_refresh_all, "Reload; open folders stay open"),
            ("Log: what started, finished, failed", "l", main.action_show_log, "The session's event log"),
            ("Help: keys and how-to", "F1 / ?", app.action_help, "Every key of this screen"),
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
