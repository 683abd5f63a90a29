import traceback
from textual.app import App
import spark_tui.tui.screens.main as m
from test_tui_snapshots import make_app, settle

def test_dbg(snap_compare, monkeypatch):
    orig = m.MainScreen.compose
    def compose(self):
        with open("/tmp/h5/tb.txt", "a") as f:
            f.write(f"compose called app={self.app!r} stacks={len(self.app._compose_stacks)}\n")
        for w in orig(self):
            with open("/tmp/h5/tb.txt", "a") as f:
                f.write(f"yield {w!r}\n")
            yield w
    monkeypatch.setattr(m.MainScreen, "compose", compose)
    async def rb(pilot):
        await settle(pilot)
    snap_compare(make_app(), run_before=rb)
