"""A badge's details: everything it says, its picture, every check of its last verification, the raw payload."""

from __future__ import annotations

import json
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from verifier import CheckResult

from ... import badge_collections as collections_lib
from ... import exporting
from ...check_words import plain_words
from ...hints import recipient_hint
from ...status_words import words_for
from ...store import BadgeRecord
from ...verification import stored_payload
from .. import model
from ..base import BackpackScreen
from ..dialogs.choose import ChooseDialog
from ..dialogs.confirm import ConfirmDialog
from ..dialogs.text_input import TextInputDialog
from ..widgets.badge_image import BadgeImage

__all__ = ["BadgeScreen", "describe"]

_OUTCOME_ICONS = {"passed": "✔", "failed": "✘", "warning": "!", "skipped": "-", "error": "?"}


def describe(record: BadgeRecord) -> Text:
    """Everything the badge says, as text (issuer-controlled strings are never parsed as markup)."""
    report = record.report
    display = report.badge if report else None
    info = record.info
    text = Text()
    text.append(record.display_name + "\n", style="bold")
    status = record.status
    text.append(model.status_cell(status), style=f"bold {words_for(status).style}")
    if report:
        text.append(f"  · checked {report.checked_at}")
    hint = recipient_hint(report, info.recipient)
    if hint:
        text.append(f"\n{hint}", style="yellow")
    text.append("\n\n")
    rows = [
        ("Issuer", (display.issuer_name if display else None) or info.issuer_name),
        ("Issuer id", (display.issuer_id if display else None) or info.issuer_id),
        ("Issued", info.issued_on),
        ("Expires", info.expires),
        ("Recipient", info.recipient),
        ("Format", f"{model.rows([record])[0].version} · {record.payload_kind}"),
        ("Source", f"{record.source.ref} ({record.source.location})"),
    ]
    for label, value in rows:
        if value:
            text.append(f"{label:<11}", style="dim")
            text.append(f"{value}\n")
    if info.description:
        text.append("\n" + info.description + "\n")
    if display and (display.criteria or display.criteria_url):
        text.append("\nCriteria\n", style="bold")
        text.append((display.criteria or "") + (f"\n{display.criteria_url}" if display.criteria_url else "") + "\n")
    if display and display.alignments:
        text.append("\nAlignments\n", style="bold")
        for alignment in display.alignments:
            framework = " ".join(v for v in (alignment.get("targetFramework"), alignment.get("targetCode")) if v)
            text.append(f"• {alignment.get('targetName', '')}" + (f" [{framework}]" if framework else ""))
            text.append(f"  {alignment.get('targetUrl', '')}\n")
    if display and display.evidence:
        text.append("\nEvidence\n", style="bold")
        for item in display.evidence:
            text.append(
                "• " + " — ".join(v for v in (item.get("name"), item.get("narrative"), item.get("id")) if v) + "\n"
            )
    if display and display.endorsements:
        text.append("\nEndorsements\n", style="bold")
        for endorsement in display.endorsements:
            text.append(f"• {endorsement}\n")
    if display and display.revocation_reason:
        text.append(f"\nRevocation reason: {display.revocation_reason}\n", style=words_for("revoked").style)
    return text


class BadgeScreen(BackpackScreen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("r", "recheck", "Recheck"),
        Binding("a", "add_to_collection", "Add to collection"),
        Binding("b", "bake", "Bake/export"),
        Binding("j", "raw", "Raw JSON"),
        Binding("x", "remove", "Remove"),
    ]

    def __init__(self, badge_id: str) -> None:
        super().__init__()
        self.badge_id = badge_id
        self.raw = False
        self._checks: list[CheckResult] = []

    @property
    def record(self) -> BadgeRecord:
        return self.backpack_app.store.get_badge(self.badge_id)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="detail-body"):
            yield BadgeImage(id="detail-picture")
            with VerticalScroll(id="detail-text"):
                yield Static("", id="description", markup=False)
                yield DataTable(id="checks", cursor_type="row")
                yield Static("", id="check-details", markup=False)
                yield Static("", id="raw", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#checks", DataTable)
        table.add_columns("", "Check", "What it means")
        self.query_one("#raw").display = False
        self.refresh_view()

    def refresh_view(self) -> None:
        record = self.record
        self.query_one("#description", Static).update(describe(record))
        table = self.query_one("#checks", DataTable)
        table.clear()
        report = record.report
        self._checks = list(report.checks) if report else []
        for check in self._checks:
            table.add_row(_OUTCOME_ICONS.get(check.outcome, "?"), check.id, Text(plain_words(check)))
        self._show_check_details(table.cursor_row)
        try:
            data = self.backpack_app.store.read_blob(record.source.blob)
        except Exception:  # noqa: BLE001 - a missing blob shows as no picture
            data = None
        self.query_one("#detail-picture", BadgeImage).show(data if record.source.container in ("png", "svg") else None)

    def _show_check_details(self, row: int) -> None:
        # The verifier's own message (URLs, key ids) for the check under the cursor: the table holds plain words.
        details = self.query_one("#check-details", Static)
        if 0 <= row < len(self._checks):
            check = self._checks[row]
            details.update(Text.assemble(("Details ", "dim"), (f"{check.id}: ", "bold"), check.message))
        else:
            details.update("")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "checks":
            self._show_check_details(event.cursor_row)

    def action_raw(self) -> None:
        self.raw = not self.raw
        raw = self.query_one("#raw", Static)
        if self.raw:
            payload = stored_payload(self.backpack_app.store, self.record)
            body = payload.claims if payload.claims is not None else payload.text
            header = f"JWS header: {json.dumps(payload.jws_header)}\n" if payload.jws_header else ""
            raw.update(header + (json.dumps(body, indent=2, ensure_ascii=False) if isinstance(body, dict) else body))
        raw.display = self.raw

    def action_recheck(self) -> None:
        self.notify("Checking…")
        self._recheck()

    @work(thread=True, exclusive=True, group="detail-recheck")
    def _recheck(self) -> None:
        try:
            [(_record, report)] = self.backpack_app.recheck([self.record])
        except Exception as exc:  # noqa: BLE001 - a notification, never a traceback
            self.app.call_from_thread(self.notify, f"Recheck failed: {exc}", severity="error")
            return
        self.app.call_from_thread(self.refresh_view)
        self.app.call_from_thread(self.notify, f"Now {report.status}")

    def action_add_to_collection(self) -> None:
        store = self.backpack_app.store
        options = [(c.id, c.name) for c in collections_lib.list_collections(store)]
        if not options:
            self.notify("No collections yet: create one from the Collections screen (c on the home screen)")
            return

        def chosen(collection_id: str | None) -> None:
            if collection_id:
                updated = collections_lib.add_badges(store, collection_id, [self.badge_id])
                self.notify(f"Added to {updated.name}")

        self.app.push_screen(ChooseDialog("Add to which collection?", options), chosen)

    def action_bake(self) -> None:
        record = self.record
        try:
            name, data = exporting.baked_image(self.backpack_app.store, record)
        except Exception as exc:  # noqa: BLE001
            self.notify(f"Cannot bake this badge: {exc}", severity="error")
            return

        def chosen(path: str | None) -> None:
            if not path:
                return
            target = Path(path).expanduser()
            if target.is_dir():
                target = target / name
            try:
                exporting.write_file(target, data)
            except Exception as exc:  # noqa: BLE001 - a notification, never a traceback
                self.notify(f"Not written: {exc}", severity="error")
                return
            self.notify(f"Wrote {target}")

        self.app.push_screen(TextInputDialog("Save the baked badge as:", value=name), chosen)

    def action_remove(self) -> None:
        name = self.record.display_name

        def done(confirmed: bool | None) -> None:
            if confirmed:
                collections_lib.remove_badge(self.backpack_app.store, self.badge_id)
                self.app.pop_screen()
                self.app.notify(f"Removed {name}")

        self.app.push_screen(ConfirmDialog(f"Remove {name!s} from your backpack?", yes="Remove"), done)
