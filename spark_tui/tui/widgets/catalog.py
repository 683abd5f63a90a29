"""The browser pane: a lazy, paged tree tenant → folders → services → versions, with marks and a filter."""

from __future__ import annotations

from concurrent.futures import Future, wait
from dataclasses import dataclass, field

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static, Tree
from textual.widgets.tree import TreeNode
from textual.worker import get_current_worker

from spark_tui.spark.errors import SparkTuiError
from spark_tui.tui.screens.base import ShowsWorkerErrors
from spark_tui.spark.values import FolderInfo, Page, ServiceInfo, VersionInfo
from spark_tui.spark.uri import service_uri
from spark_tui.tui.formatting import cue, human_bytes

PAGE_SIZE = 100
FIRST_PAGE_WAIT_S = 0.08  # longest the first frame waits for the prefetched first page (it takes 10-25 ms embedded)


@dataclass(frozen=True)
class Placeholder:
    """A 'loading…' child, or a 'load more' row that fetches `page` of `folder` (None: folders)."""

    folder: str | None
    page: int
    loading: bool


@dataclass
class Catalog:
    """What has been loaded so far; the tree is always drawn from this (and the filter)."""

    folders: list[FolderInfo] = field(default_factory=list)
    folders_total: int = 0
    services: dict[str, list[ServiceInfo]] = field(default_factory=dict)
    services_total: dict[str, int] = field(default_factory=dict)
    versions: dict[tuple[str, str], list[VersionInfo]] = field(default_factory=dict)


def _box(marked: bool, partly: bool = False) -> Text:
    """`[x]` marked, `[-]` something inside marked, `[ ]` nothing."""
    if marked:
        return Text("[x] ", style="bold green")
    return Text("[-] ", style="bold yellow") if partly else Text("[ ] ", style="dim")


WARNING = "bold red"  # "✗ locked", "✗ not exportable": bold alone when colours are off


class CatalogTree(ShowsWorkerErrors, Tree):
    """Tree of the tenant's catalog. `space` marks the node under the cursor for export."""

    BINDINGS = [
        Binding("space", "toggle_mark", "Mark", id="browser.mark", tooltip="Mark or unmark for export"),
        Binding("right", "expand", "Expand", show=False, id="browser.expand"),
        Binding("left", "collapse", "Collapse", show=False, id="browser.collapse"),
        Binding("r", "reload", "Reload", show=False, id="browser.reload", tooltip="Reload the catalog"),
        Binding("x", "clear_marks", "Clear marks", show=False, id="browser.clear_marks"),
    ]

    @dataclass
    class FoldersLoaded(Message):
        page: Page

    @dataclass
    class ServicesLoaded(Message):
        folder: str
        page: Page

    @dataclass
    class VersionsLoaded(Message):
        folder: str
        service: str
        versions: list[VersionInfo]

    @dataclass
    class ListingFailed(Message):
        """Loading one level of the tree failed; `key` names the node whose placeholder to clear."""

        key: str
        error: Exception

    @dataclass
    class MarksChanged(Message):
        folders: list[str]
        services: list[str]
        version_ids: list[str]
        labels: dict[str, str]

    @dataclass
    class SearchDone(Message):
        """The tenant-wide service search for `query` answered."""

        query: str
        page: Page

    @dataclass
    class SearchState(Message):
        """What the catalog filter is doing, for its hint line (`total`: matches, when known)."""

        query: str
        total: int | None
        searching: bool
        error: Exception | None = None

    def __init__(self, tenant: str, **kwargs) -> None:
        super().__init__(Text(tenant, style="bold"), **kwargs)
        self.show_root = True
        self.guide_depth = 2
        self.catalog = Catalog()
        self.filter_text = ""
        self.marks: dict[str, str] = {}  # mark key ("folder:F", "service:F/S", "version:ID") -> label
        self.reopen: set[str | None] = set()  # keys of nodes open before a reload, opened again when drawn
        self.found: list[ServiceInfo] | None = None  # the tenant-wide search result for `filter_text`

    def render_label(self, node: TreeNode, base_style, style) -> Text:
        """The label, cut with "…" to the width left by the guides (never cut silently at the edge)."""
        text = super().render_label(node, base_style, style)
        depth, parent = 0, node.parent
        while parent is not None:
            depth, parent = depth + 1, parent.parent
        room = self.scrollable_content_region.width - depth * self.guide_depth
        if room > 0 and text.cell_len > room:
            text.truncate(room, overflow="ellipsis")
        return text

    # --- loading ---------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.root.expand()
        first = self.app.take_first_folders()
        if first is not None:
            # Fetched since the app started. Waiting briefly for it here costs less than competing for the GIL
            # with it, and the first frame then shows the folders rather than "loading…".
            wait([first], timeout=FIRST_PAGE_WAIT_S)
        if first is not None and first.done() and first.exception() is None:
            self._show_folders(first.result())
        else:
            self.load_folders(1, first)

    def action_reload(self) -> None:
        """Load everything again; folders and services that were open are opened again once reloaded."""
        self.reopen |= {self._key(n.data) for n in self._walk(self.root) if n.is_expanded}
        self.catalog = Catalog()
        self.root.remove_children()
        self.load_folders(1)

    def load_folders(self, page: int, pending: Future[Page] | None = None) -> None:
        """Fetch `page` of the folders, or wait for `pending`, the same page already being fetched."""
        self._show_loading(self.root, None, page)
        self._fetch_folders(page, pending)

    def _show_loading(self, node: TreeNode, folder: str | None, page: int) -> None:
        for child in list(node.children):
            if isinstance(child.data, Placeholder):
                child.remove()
        node.add_leaf(Text("loading…", style="dim italic"), Placeholder(folder, page, loading=True))

    @work(thread=True, group="catalog", exit_on_error=False, description="list folders")
    def _fetch_folders(self, page: int, pending: Future[Page] | None) -> None:
        try:
            if pending is not None:
                result = pending.result()
            else:
                result = self.app.backend.list_folders(page=page, page_size=PAGE_SIZE)
        except SparkTuiError as exc:  # every backend error is shown, never fatal
            self.post_message(self.ListingFailed("folders", exc))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.FoldersLoaded(result))

    @work(thread=True, group="catalog", exit_on_error=False, description="list services")
    def _fetch_services(self, folder: str, page: int) -> None:
        try:
            result = self.app.backend.list_services(folder, page=page, page_size=PAGE_SIZE)
        except SparkTuiError as exc:
            self.post_message(self.ListingFailed(f"folder:{folder}", exc))
            return
        self.post_message(self.ServicesLoaded(folder, result))

    @work(thread=True, group="catalog", exit_on_error=False, description="list versions")
    def _fetch_versions(self, folder: str, service: str) -> None:
        try:
            result = self.app.backend.list_versions(folder, service)
        except SparkTuiError as exc:
            self.post_message(self.ListingFailed(f"service:{service_uri(folder, service)}", exc))
            return
        self.post_message(self.VersionsLoaded(folder, service, result))

    def on_catalog_tree_folders_loaded(self, message: CatalogTree.FoldersLoaded) -> None:
        message.stop()
        self._show_folders(message.page)

    def _show_folders(self, page: Page) -> None:
        if page.page == 1:
            self.catalog.folders = []
        self.catalog.folders.extend(page.items)
        self.catalog.folders_total = page.total
        self.redraw()

    def on_catalog_tree_services_loaded(self, message: CatalogTree.ServicesLoaded) -> None:
        message.stop()
        services = self.catalog.services.setdefault(message.folder, [])
        if message.page.page == 1:
            services.clear()
        services.extend(message.page.items)
        self.catalog.services_total[message.folder] = message.page.total
        node = self._find(f"folder:{message.folder}")
        if node is None:
            return
        if message.page.page > 1 and not self.filter_text:
            self._append_services(node, message.folder, message.page.items)
        else:
            self._draw_services(node, message.folder)

    def on_catalog_tree_versions_loaded(self, message: CatalogTree.VersionsLoaded) -> None:
        message.stop()
        self.catalog.versions[(message.folder, message.service)] = message.versions
        node = self._find(f"service:{service_uri(message.folder, message.service)}")
        if node is not None:
            self._draw_versions(node, message.folder, message.service)

    def on_catalog_tree_listing_failed(self, message: CatalogTree.ListingFailed) -> None:
        node = self.root if message.key == "folders" else self._find(message.key)
        if node is not None:
            for child in list(node.children):
                if isinstance(child.data, Placeholder) and child.data.loading:
                    child.remove()
            if message.key != "folders":
                node.collapse()
                self._forget(message.key)
        self.app.show_error(f"Loading {message.key} failed", message.error)

    def _forget(self, key: str) -> None:
        """Drop a failed level from the catalog so that expanding it again retries."""
        kind, value = key.split(":", 1)
        if kind == "folder":
            self.catalog.services.pop(value, None)
        else:
            folder, service = value.split("/", 1)
            self.catalog.versions.pop((folder, service), None)

    # --- expanding -------------------------------------------------------------------------------

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded) -> None:
        event.stop()
        data = event.node.data
        if isinstance(data, FolderInfo) and self.filter_text and event.node.children:
            return  # opened on the search's matches: no listing needed
        if isinstance(data, FolderInfo) and data.name not in self.catalog.services:
            self.catalog.services[data.name] = []
            self._show_loading(event.node, data.name, 1)
            self._fetch_services(data.name, 1)
        elif isinstance(data, FolderInfo) and not event.node.children:
            self._draw_services(event.node, data.name)  # loaded before, drawn collapsed (e.g. under a filter)
        elif isinstance(data, ServiceInfo) and (data.folder, data.name) not in self.catalog.versions:
            self.catalog.versions[(data.folder, data.name)] = []
            self._show_loading(event.node, data.folder, 1)
            self._fetch_versions(data.folder, data.name)
        elif isinstance(data, ServiceInfo) and not event.node.children:
            self._draw_versions(event.node, data.folder, data.name)

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected) -> None:
        data = event.node.data
        if isinstance(data, Placeholder) and not data.loading:
            event.stop()
            parent = event.node.parent or self.root
            if data.folder is None:
                self.load_folders(data.page)
            else:
                self._show_loading(parent, data.folder, data.page)
                self._fetch_services(data.folder, data.page)

    def action_expand(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand and not node.is_expanded:
            node.expand()
        elif node is not None and node.children:
            self.move_cursor(node.children[0])

    def action_collapse(self) -> None:
        node = self.cursor_node
        if node is not None and node.is_expanded and node is not self.root:
            node.collapse()
        elif node is not None and node.parent is not None:
            self.move_cursor(node.parent)

    # --- drawing ---------------------------------------------------------------------------------

    def redraw(self) -> None:
        """Rebuild the folder level from the catalog, keeping expanded folders and services open."""
        cursor_key = self._key(self.cursor_node.data) if self.cursor_node else None
        expanded = {self._key(n.data) for n in self._walk(self.root) if n.is_expanded}
        self.root.remove_children()
        needle = self.filter_text.lower()
        for folder in self._folders_shown():
            services = self._visible_services(folder.name)
            if needle and needle not in folder.name.lower() and not services:
                continue
            node = self.root.add(self._folder_label(folder), folder, allow_expand=folder.accessible)
            if needle and services and needle not in folder.name.lower():
                self._draw_services(node, folder.name, expanded)
                node.expand()
                continue
            key = f"folder:{folder.name}"
            if key in expanded and folder.name in self.catalog.services:
                self._draw_services(node, folder.name, expanded)
                node.expand()
            elif key in self.reopen and folder.accessible:
                self.reopen.discard(key)
                node.expand()  # loads its services
        loaded = len(self.catalog.folders)
        if loaded < self.catalog.folders_total and not needle:
            self._add_more(self.root, None, loaded, self.catalog.folders_total)
        if cursor_key and (node := self._find(cursor_key)) is not None:
            self.move_cursor(node)

    def _folders_shown(self) -> list[FolderInfo]:
        """The loaded folders, plus (while filtering) the folders the tenant-wide search found matches in."""
        folders = list(self.catalog.folders)
        if self.filter_text and self.found is not None:
            known = {f.name for f in folders}
            for service in self.found:
                if service.folder not in known:
                    known.add(service.folder)
                    folders.append(FolderInfo(id="", name=service.folder, service_count=0))
            folders.sort(key=lambda f: f.name)
        return folders

    def _visible_services(self, folder: str) -> list[ServiceInfo]:
        services = self.catalog.services.get(folder, [])
        needle = self.filter_text.lower()
        if not needle or needle in folder.lower():
            return services
        if self.found is not None:
            return [s for s in self.found if s.folder == folder]
        return [s for s in services if needle in s.name.lower()]

    def _draw_services(self, node: TreeNode, folder: str, expanded: set[str] | None = None) -> None:
        expanded = expanded if expanded is not None else {self._key(n.data) for n in self._walk(node) if n.is_expanded}
        node.remove_children()
        for service in self._visible_services(folder):
            child = node.add(self._service_label(service), service, allow_expand=service.version_count > 0)
            key = self._key(service)
            if key in expanded and (folder, service.name) in self.catalog.versions:
                self._draw_versions(child, folder, service.name)
                child.expand()
            elif key in self.reopen and service.version_count:
                self.reopen.discard(key)
                child.expand()  # loads its versions
        loaded = len(self.catalog.services.get(folder, []))
        total = self.catalog.services_total.get(folder, 0)
        if loaded < total and not self.filter_text:
            self._add_more(node, folder, loaded, total)
        elif folder in self.catalog.services_total and total == 0:
            node.add_leaf(Text("(empty folder: no services)", style="dim italic"))

    def _append_services(self, node: TreeNode, folder: str, services: list[ServiceInfo]) -> None:
        """Add one more page under the folder without redrawing the pages already shown."""
        for child in list(node.children):
            if isinstance(child.data, Placeholder):
                child.remove()
        for service in services:
            node.add(self._service_label(service), service, allow_expand=service.version_count > 0)
        loaded, total = len(self.catalog.services[folder]), self.catalog.services_total.get(folder, 0)
        if loaded < total:
            self._add_more(node, folder, loaded, total)

    def _draw_versions(self, node: TreeNode, folder: str, service: str) -> None:
        node.remove_children()
        for version in self.catalog.versions.get((folder, service), []):
            node.add_leaf(self._version_label(version), version)

    def _add_more(self, node: TreeNode, folder: str | None, loaded: int, total: int) -> None:
        label = Text(f"… {total - loaded:,} more of {total:,} — enter to load", style="italic cyan")
        node.add_leaf(label, Placeholder(folder, loaded // PAGE_SIZE + 1, loading=False))

    def _folder_label(self, folder: FolderInfo) -> Text:
        text = _box(f"folder:{folder.name}" in self.marks, self._marked_inside(f"{folder.name}/")) + \
            Text(folder.name, style="bold")
        if not folder.id:
            text.append("  (folder not loaded yet; search matches)", style="dim")
        elif not folder.accessible:
            text.append(f"  ✗ locked: needs group {folder.required_group}", style=cue(WARNING, self.app.no_color))
        elif folder.service_count == 0:
            text.append("  empty", style="dim")
        else:
            text.append(f"  {folder.service_count:,} service{'s' * (folder.service_count != 1)}", style="dim")
        return text

    def _service_label(self, service: ServiceInfo) -> Text:
        uri = service_uri(service.folder, service.name)
        text = _box(f"service:{uri}" in self.marks, self._marked_inside(f"{uri}[")) + Text(service.name)
        if not service.exportable:
            text.append("  ✗ not exportable", style=cue(WARNING, self.app.no_color))
        latest = f" · latest {service.latest_version}" if service.latest_version else ""
        text.append(f"  {service.version_count} v{latest} · {service.engine_type.value}", style="dim")
        return text

    def _version_label(self, version: VersionInfo) -> Text:
        text = _box(f"version:{version.id}" in self.marks) + Text(version.version)
        if not version.exportable:
            reason = "XConnector" if version.engine_type.value == "XConnector" else "no compiled module"
            text.append(f"  ✗ {reason}", style=cue(WARNING, self.app.no_color))
        text.append(f"  {version.engine_type.value} · {human_bytes(version.size)}", style="dim")
        return text

    @staticmethod
    def _key(data: object) -> str | None:
        if isinstance(data, FolderInfo):
            return f"folder:{data.name}"
        if isinstance(data, ServiceInfo):
            return f"service:{service_uri(data.folder, data.name)}"
        if isinstance(data, VersionInfo):
            return f"version:{data.id}"
        return None

    def _walk(self, node: TreeNode):
        for child in node.children:
            yield child
            yield from self._walk(child)

    def _find(self, key: str) -> TreeNode | None:
        return next((n for n in self._walk(self.root) if self._key(n.data) == key), None)

    # --- marks and filter ------------------------------------------------------------------------

    def action_toggle_mark(self) -> None:
        node = self.cursor_node
        key = self._key(node.data) if node is not None else None
        if node is None or key is None:
            return
        data = node.data
        if key in self.marks:
            del self.marks[key]
        elif isinstance(data, VersionInfo):
            self.marks[key] = service_uri(data.folder, data.service, data.version)
        else:
            self.marks[key] = key.split(":", 1)[1]
        node.set_label(self._label_for(data))
        parent = node.parent
        while parent is not None and parent is not self.root:
            parent.set_label(self._label_for(parent.data))
            parent = parent.parent
        self._announce_marks()

    def _marked_inside(self, prefix: str) -> bool:
        """Whether a mark lies inside the node whose children's labels start with `prefix` ('F/' or 'F/S[')."""
        return any(label.startswith(prefix) for label in self.marks.values())

    def action_clear_marks(self) -> None:
        self.marks.clear()
        self.redraw()
        self._announce_marks()

    def _label_for(self, data: object) -> Text:
        if isinstance(data, FolderInfo):
            return self._folder_label(data)
        if isinstance(data, ServiceInfo):
            return self._service_label(data)
        return self._version_label(data)

    def current_marks(self) -> CatalogTree.MarksChanged:
        """The marks as they are now, grouped into folders, services and version ids."""
        kinds: dict[str, list[str]] = {"folder": [], "service": [], "version": []}
        for key in self.marks:
            kind, value = key.split(":", 1)
            kinds[kind].append(value)
        return self.MarksChanged(kinds["folder"], kinds["service"], kinds["version"], dict(self.marks))

    def _announce_marks(self) -> None:
        self.post_message(self.current_marks())

    def set_filter(self, text: str) -> None:
        """Filter names: loaded folders at once, services by a tenant-wide search (`search_services`)."""
        self.filter_text = text.strip()
        self.found = None
        self.redraw()
        if self.filter_text:
            self.post_message(self.SearchState(self.filter_text, None, searching=True))
            self._search(self.filter_text)
        else:
            self.post_message(self.SearchState(self.filter_text, None, searching=False))

    @work(thread=True, exclusive=True, group="search", exit_on_error=False, description="search services")
    def _search(self, query: str) -> None:
        try:
            page = self.app.backend.search_services(query, page=1, page_size=PAGE_SIZE)
        except SparkTuiError as exc:  # the filter falls back to what is loaded
            self.post_message(self.SearchState(query, None, searching=False, error=exc))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.SearchDone(query, page))

    def on_catalog_tree_search_done(self, message: CatalogTree.SearchDone) -> None:
        if message.query != self.filter_text:
            return  # a newer filter is being searched
        self.found = list(message.page.items)
        self.redraw()
        self.post_message(self.SearchState(message.query, message.page.total, searching=False))


class CatalogPane(Vertical):
    """Filter box over the catalog tree."""

    BINDINGS = [Binding("slash", "focus_filter", "Filter", id="browser.filter", tooltip="Type to filter names")]

    def __init__(self, tenant: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.tenant = tenant

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ filter folders and services", id="catalog-filter", compact=True,
                           select_on_focus=False)
        yield Static("", id="filter-hint")
        yield CatalogTree(self.tenant, id="catalog-tree")

    def on_catalog_tree_search_state(self, message: CatalogTree.SearchState) -> None:
        hint = self.query_one("#filter-hint", Static)
        hint.display = bool(message.query)
        if not message.query:
            return
        if message.searching:
            text = f"searching the tenant for '{message.query}'…"
        elif message.error is not None:
            text = f"search failed ({message.error}); showing matches among loaded folders only"
        else:
            text = f"{message.total} service{'s' * (message.total != 1)} match '{message.query}' in the tenant"
        hint.update(Text(text, style="italic"))

    def action_focus_filter(self) -> None:
        self.query_one("#catalog-filter", Input).focus()

    @on(Input.Changed, "#catalog-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(CatalogTree).set_filter(event.value)

    @on(Input.Submitted, "#catalog-filter")
    def _filter_done(self) -> None:
        self.query_one(CatalogTree).focus()

    def key_escape(self) -> None:
        """Escape in the filter, or in the tree while a filter is set, clears it and returns to the tree."""
        filter_input = self.query_one("#catalog-filter", Input)
        if filter_input.has_focus or filter_input.value:
            filter_input.value = ""
            self.query_one(CatalogTree).focus()
