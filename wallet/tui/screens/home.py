"""Home: every badge in a sortable, filterable table, a summary line, and the selected badge's details beside it."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, ProgressBar, Static
from textual.worker import get_current_worker

from ... import badge_collections as collections_lib
from ...demo import DEMO_COLLECTION, has_demo, remove_demo
from ...hints import recipient_hint
from ...store import BadgeRecord
from .. import model
from ..base import BackpackScreen
from ..dialogs.confirm import ConfirmDialog
from ..widgets.badge_image import BadgeImage

__all__ = ["HomeScreen", "badge_details"]

_COLUMNS = (
    ("status", "Status"),
    ("name", "Name"),
    ("issuer", "Issuer"),
    ("issued", "Issued"),
    ("expires", "Expires"),
    ("checked", "Last checked"),
)
_RECHECK_CHUNK = 4
DEMO_BANNER = (
    "Demo badges. Next steps: i imports your own (backpack import FILE) · D removes the demo (backpack demo remove)"
)


def _bindings_of(widget: type[Any], *, without: str) -> list[BindingType]:
    """Every binding ``widget`` has from its classes, except those of the key ``without``."""
    found: dict[str, Binding] = {}
    for base in reversed(widget.__mro__):  # a subclass's binding of a key replaces its base's, as Textual merges them
        for binding in base.__dict__.get("BINDINGS", []):
            binding = binding if isinstance(binding, Binding) else Binding(*binding)
            if without not in binding.key.split(","):
                found[binding.key] = binding
    return [*found.values()]


class BadgeTable(DataTable[str], inherit_bindings=False):
    """The badge table, without DataTable's own Enter binding: Enter is the screen's "Details", so that the footer
    shows it (a focused widget's hidden binding would hide the screen's binding of the same key)."""

    BINDINGS = _bindings_of(DataTable, without="enter")


def badge_details(record: BadgeRecord) -> str:
    """The side panel's text (Rich markup escaped by the caller's Static with markup off)."""
    info = record.info
    lines = [record.display_name, ""]
    for label, value in (
        ("Issuer", info.issuer_name),
        ("Issued", info.issued_on),
        ("Expires", info.expires),
        ("Recipient", info.recipient),
    ):
        if value:
            lines.append(f"{label}: {value}")
    lines.append(f"Status: {model.status_cell(record.status)}")
    report = record.report
    hint = recipient_hint(report, info.recipient)
    if hint:
        lines.append(f"  {hint}")
    for check in report.checks if report else []:
        if check.outcome in ("failed", "error") and not (hint and check.id == "recipient"):
            lines.append(f"  {check.id}: {check.message}")
    if info.description:
        lines += ["", info.description]
    lines += ["", f"id {record.id}"]
    return "\n".join(lines)


class HomeScreen(BackpackScreen[None]):
    # The footer shows the everyday keys (after quit and help); ? lists them all.
    BINDINGS = [
        Binding("enter", "open", "Details", key_display="⏎"),
        Binding("i", "import", "Import"),
        Binding("c", "collections", "Collections"),
        Binding("s", "settings", "Settings"),
        Binding("slash", "focus_filter", "Search", key_display="/"),
        Binding("r", "recheck", "Recheck", show=False),
        Binding("R", "recheck_all", "Recheck all", show=False),
        Binding("f", "cycle_status", "Status filter", show=False),
        Binding("o", "cycle_sort", "Sort", show=False),
        Binding("x", "remove", "Remove", show=False),
        Binding("D", "remove_demo", "Remove the demo", show=False),
        Binding("ctrl+b", "toggle_panel", "Side panel", show=False),
        Binding("escape", "escape", "Cancel or clear the search", show=False),
    ]
    HELP_NOTE = (
        "Type any other letter to search (or press /); in the search field keys type, and Esc or Enter leaves it. "
        "ctrl+p opens the command palette."
    )

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, BadgeRecord] = {}
        self.all_rows: list[model.Row] = []
        self.status_filter: str | None = None
        self.sort_index = 0
        self.recheck_worker: Any = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(DEMO_BANNER, id="demo-banner", markup=False)
        yield Static("", id="summary", markup=False)
        with Horizontal(id="body"):
            with Vertical(id="list"):
                # No select-on-focus: type-to-search focuses the field and inserts the first character at once, which a
                # selection made by the (later) focus event would swallow with the next key.
                yield Input(
                    placeholder="Type to search · f: status filter · o: sort", id="filter", select_on_focus=False
                )
                yield BadgeTable(id="badges", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="side"):
                yield BadgeImage(id="picture")
                yield Static("", id="details", markup=False)
        yield ProgressBar(id="progress", show_eta=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#badges", DataTable)
        for key, label in _COLUMNS:
            table.add_column(label, key=key)
        self.query_one("#progress").display = False
        self.reload()
        table.focus()

    # -- data ----------------------------------------------------------------------------------------------------

    def reload(self, selected: str | None = None) -> None:
        store = self.backpack_app.store
        records = store.list_badges()
        self.records = {r.id: r for r in records}
        self.all_rows = model.rows(records, collections_lib.list_collections(store))
        self.query_one("#summary", Static).update(model.summary_line(records))
        self.query_one("#demo-banner").display = has_demo(store)
        self.refresh_table(selected)

    def visible_rows(self) -> list[model.Row]:
        text = self.query_one("#filter", Input).value
        kept = model.filter_rows(self.all_rows, text=text, status=self.status_filter)
        return model.sort_rows(kept, model.SORT_KEYS[self.sort_index])

    def refresh_table(self, selected: str | None = None) -> None:
        table = self.query_one("#badges", DataTable)
        current = selected or self.selected_id()
        table.clear()
        for row in self.visible_rows():
            table.add_row(
                row.status_cell, row.name, row.issuer, row.issued, row.expires or "—", row.checked, key=row.id
            )
        if current is not None and current in {str(k.value) for k in table.rows}:
            table.move_cursor(row=table.get_row_index(current))
        self.show_selected()

    def selected_id(self) -> str | None:
        table = self.query_one("#badges", DataTable)
        if table.row_count == 0:
            return None
        try:
            return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        except Exception:  # noqa: BLE001 - an empty or refreshing table has no cursor row
            return None

    def show_selected(self) -> None:
        badge_id = self.selected_id()
        record = self.records.get(badge_id or "")
        details = self.query_one("#details", Static)
        picture = self.query_one("#picture", BadgeImage)
        if record is None:
            details.update("No badge selected." if self.all_rows else "Your backpack is empty: press i to import.")
            picture.show(None)
            return
        details.update(badge_details(record))
        try:
            data = self.backpack_app.store.read_blob(record.source.blob)
        except Exception:  # noqa: BLE001 - a missing blob shows as no picture
            data = None
        picture.show(data if record.source.container in ("png", "svg") else None)

    @on(DataTable.RowHighlighted, "#badges")
    def _highlighted(self) -> None:
        self.show_selected()

    @on(DataTable.RowSelected, "#badges")
    def _selected(self) -> None:
        self.action_open()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self.refresh_table()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one("#badges", DataTable).focus()

    @on(DataTable.HeaderSelected, "#badges")
    def _sort_by_header(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        if key in model.SORT_KEYS:
            self.sort_index = model.SORT_KEYS.index(key)
            self.notify(f"Sorted by {key}")
            self.refresh_table()

    def on_screen_resume(self) -> None:
        self.reload()

    def on_key(self, event: Any) -> None:
        # Type to search: a letter or digit typed on the table goes to the search field, unless a key of this screen
        # or of the app (q quits, ? helps) is bound to it.
        table = self.query_one("#badges", DataTable)
        char = getattr(event, "character", None)
        if self.focused is table and char and char.isprintable() and char.isalnum() and not self._is_bound(event.key):
            field = self.query_one("#filter", Input)
            field.focus()
            field.insert_text_at_cursor(char)
            event.stop()

    def _is_bound(self, key: str) -> bool:
        return key in self.active_bindings

    # -- actions -------------------------------------------------------------------------------------------------

    _PANEL_MIN_WIDTH = 140
    """Below this terminal width the side panel starts hidden, so the table's six columns fit; ctrl+b shows it."""

    def on_resize(self, event: Any) -> None:
        if not getattr(self, "_panel_chosen", False):
            self.query_one("#side").display = event.size.width >= self._PANEL_MIN_WIDTH

    def action_toggle_panel(self) -> None:
        self._panel_chosen = True
        side = self.query_one("#side")
        side.display = not side.display

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_escape(self) -> None:
        if self.recheck_worker is not None and self.recheck_worker.is_running and not self.recheck_worker.is_cancelled:
            self.recheck_worker.cancel()
            self.notify("Recheck cancelled")
            return
        field = self.query_one("#filter", Input)
        if field.value or self.status_filter:
            field.value = ""
            self.status_filter = None
            self.refresh_table()
        self.query_one("#badges", DataTable).focus()

    def action_cycle_status(self) -> None:
        present = [s for s in model.STATUSES if any(r.status == s for r in self.all_rows)]
        options: list[str | None] = [None, *present]
        index = options.index(self.status_filter) if self.status_filter in options else 0
        self.status_filter = options[(index + 1) % len(options)]
        self.notify(f"Showing {self.status_filter or 'all'} badges")
        self.refresh_table()

    def action_cycle_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(model.SORT_KEYS)
        self.notify(f"Sorted by {model.SORT_KEYS[self.sort_index]}")
        self.refresh_table()

    def action_open(self) -> None:
        record = self.records.get(self.selected_id() or "")
        if record is not None:
            from .detail import BadgeScreen

            self.app.push_screen(BadgeScreen(record.id))

    def action_import(self) -> None:
        from ..dialogs.import_dialog import ImportDialog

        def done(imported: list[str] | None) -> None:
            if imported:
                self.reload(imported[-1])

        self.app.push_screen(ImportDialog(), done)

    def action_collections(self) -> None:
        from .collections import CollectionsScreen

        self.app.push_screen(CollectionsScreen())

    def action_settings(self) -> None:
        from .settings import SettingsScreen

        self.app.push_screen(SettingsScreen())

    def action_remove_demo(self) -> None:
        store = self.backpack_app.store
        if not has_demo(store):
            self.notify("There are no demo badges in this backpack.")
            return

        def done(confirmed: bool | None) -> None:
            if confirmed:
                removal = remove_demo(store)
                self.notify(f"Removed {len(removal.badges)} demo badges: your backpack is yours")
                self.reload()

        question = f"Remove the demo badges, the {DEMO_COLLECTION!r} collection and the demo identity?"
        self.app.push_screen(ConfirmDialog(question, yes="Remove the demo"), done)

    def action_remove(self) -> None:
        record = self.records.get(self.selected_id() or "")
        if record is None:
            return
        name = record.display_name

        def done(confirmed: bool | None) -> None:
            if confirmed:
                collections_lib.remove_badge(self.backpack_app.store, record.id)
                self.notify(f"Removed {name}")
                self.reload()

        self.app.push_screen(ConfirmDialog(f"Remove {name!s} from your backpack?", yes="Remove"), done)

    def action_recheck(self) -> None:
        record = self.records.get(self.selected_id() or "")
        if record is not None:
            self.recheck_worker = self._recheck([record])

    def action_recheck_all(self) -> None:
        if self.records:
            self.recheck_worker = self._recheck(list(self.records.values()))

    @work(thread=True, exclusive=True, group="recheck")
    def _recheck(self, records: list[BadgeRecord]) -> None:
        worker = get_current_worker()
        self.app.call_from_thread(self._progress_start, len(records))
        done = 0
        outcome = "done"
        for start in range(0, len(records), _RECHECK_CHUNK):
            if worker.is_cancelled:
                outcome = "cancelled"
                break
            chunk = records[start : start + _RECHECK_CHUNK]
            try:
                results = self.backpack_app.recheck(chunk)
            except Exception as exc:  # noqa: BLE001 - shown as a notification, never a traceback
                self.app.call_from_thread(self.notify, f"Recheck failed: {exc}", severity="error")
                outcome = "failed"
                break
            done += len(chunk)
            self.app.call_from_thread(self._progress_step, done, [r.id for r, _ in results], worker)
        # Always hide the progress bar, also after Esc (the cancelling key already said so) or an error.
        self.app.call_from_thread(self._progress_end, done, outcome, worker)

    def _progress_start(self, total: int) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=total, progress=0)
        bar.display = True
        offline = self.backpack_app.fetch_policy.offline
        self.notify(
            f"Checking {total} badge{'s' if total != 1 else ''}"
            + (" offline, from cached documents" if offline else "")
            + "… (Esc cancels)"
        )

    def _progress_step(self, done: int, changed: list[str], worker: Any = None) -> None:
        if worker is None or worker is self.recheck_worker:  # a cancelled run finishing late leaves a new run's bar
            self.query_one("#progress", ProgressBar).update(progress=done)
        self.reload()

    def _progress_end(self, done: int, outcome: str = "done", worker: Any = None) -> None:
        if worker is not None and worker is not self.recheck_worker:
            self.reload()  # a cancelled run's last chunk, finished after a new recheck began: the new run owns the bar
            return
        self.query_one("#progress", ProgressBar).display = False
        self.reload()
        if outcome != "done":
            return  # "Recheck cancelled" or "Recheck failed: …" was said already
        self.notify(
            f"Checked {done} badge{'s' if done != 1 else ''}: {model.summary_line(list(self.records.values()))}"
        )
