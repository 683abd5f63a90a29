"""Command palette provider: export, preview, cancel, refresh, switch profile, theme."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class SparkCommands(Provider):
    """Commands built from the current state (profiles of the config, the selected job)."""

    def _commands(self) -> list[tuple[str, object, str]]:
        app = self.app
        main = app.main
        commands: list[tuple[str, object, str]] = [
            ("Export: submit the export form", main.action_export, "Start an export job now"),
            ("Export: preview (dry run)", main.action_preview, "What would be exported, or every error"),
            ("Promote: the selection to another profile", main.action_promote, "Mapping, plan, then export + import"),
            ("Jobs: cancel the selected job", main.action_cancel_job, "Asks before cancelling"),
            ("Jobs: open details of the selected job", main.action_open_details, "Progress, outputs, hash"),
            ("Jobs: save the selected package", main.action_save_package, "Verified copy to a directory"),
            ("Jobs: toggle own / tenant-wide", main.action_toggle_scope, "Whose jobs the table shows"),
            ("Refresh catalog and jobs", main.action_refresh_all, "Reload everything from the backend"),
            ("Theme: change theme", app.action_change_theme, "Pick a theme; it is remembered in the config"),
            ("Help: keys and how-to", app.action_help, "Every key of this screen"),
        ]
        current = app.backend.info.profile
        for name in sorted(app.config.profiles) if app.config else []:
            if name != current:
                commands.append((f"Profile: switch to {name}", partial(app.switch_profile, name),
                                 "Reconnect with another profile of the config"))
        return commands

    async def discover(self) -> Hits:
        for text, callback, help_text in self._commands():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)
