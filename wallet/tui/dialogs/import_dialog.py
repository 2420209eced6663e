"""Import badges: a path (with completion), a folder, an http(s) URL, pasted JSON/JWT, or an issuer's offer link.

An offer (``openid-credential-offer://…``, an interaction or ``dccrequest://`` link, a photo of its QR code) is
redeemed: a PIN the offer needs is asked in a dialog, a login opens the browser (``wallet.receiving``).

Sources are imported one at a time in a worker thread, with a progress bar, then the imported badges are verified.
The dialog dismisses with the ids of the badges it imported or updated (None when nothing was imported).
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, ProgressBar, Static, TextArea
from textual.worker import Worker, get_current_worker

from ...importer import ImportProgress, ImportResult, import_and_verify
from ...receiving import ReceiveOptions, TxCodeRequest, recognise
from ...status_words import STATUSES, words_for
from ...store import BadgeRecord
from ..base import BackpackDialog
from .text_input import TextInputDialog

__all__ = ["ImportDialog", "ImportSummary", "PathSuggester", "classify_input"]

PASTED = "-"
PASTED_LABEL = "pasted text"
_JWS = re.compile(r"^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_VERIFY_CHUNK = 4
_REASON_WIDTH = 200


class PathSuggester(Suggester):
    """Completes the last segment of a filesystem path from the folder's entries; folders end with ``/``.

    With several matches it suggests their common prefix when that is longer than what was typed (as a shell
    does), else the first match in alphabetical order. Hidden entries are offered only once a ``.`` is typed.
    """

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)  # the filesystem changes; paths are case sensitive

    async def get_suggestion(self, value: str) -> str | None:
        return suggest_path(value)


def suggest_path(value: str) -> str | None:
    if not value or value.startswith(("http://", "https://", "{", "[", "<", "eyJ")) or value == PASTED:
        return None
    if value == "~":
        return "~/"
    head, sep, prefix = value.rpartition("/")
    folder = os.path.expanduser(head + sep) if sep else "."
    try:
        with os.scandir(folder) as entries:
            names = sorted(
                entry.name + ("/" if _is_dir(entry) else "")
                for entry in entries
                if entry.name.startswith(prefix) and (prefix.startswith(".") or not entry.name.startswith("."))
            )
    except OSError:
        return None
    if not names:
        return None
    common = os.path.commonprefix(names)
    completion = common if len(common) > len(prefix) else names[0]
    suggestion = head + sep + completion
    return suggestion if suggestion != value else None


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


@dataclass(frozen=True)
class Classified:
    """What the user gave: a source for ``import_sources`` (``-`` with ``stdin`` for pasted text), or an error."""

    source: str | None = None
    stdin: bytes | None = None
    error: str | None = None
    folder: Path | None = None


def classify_input(text: str) -> Classified:
    """Tell a pasted badge (JSON, a JWS/JWT, SVG markup) from a URL and from a path to a file or folder."""
    value = text.strip()
    if not value:
        return Classified(error="Give a path to a file or folder, an https:// URL, or paste a badge (JSON or JWT).")
    if value.startswith(("{", "[", "<")) or "\n" in value or (_JWS.match(value) and not os.path.exists(value)):
        return Classified(source=PASTED, stdin=value.encode("utf-8"))
    if value.startswith(("http://", "https://")) or recognise(value) is not None:
        return Classified(source=value)
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]  # a path dropped on the terminal from a file manager comes quoted
    if value.startswith("file://"):
        value = unquote(urlsplit(value).path)
    path = Path(os.path.expanduser(value))
    if not path.exists():
        return Classified(error=f"No such file or folder: {value}")
    return Classified(source=str(path), folder=path if path.is_dir() else None)


def _one_line(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= _REASON_WIDTH else line[: _REASON_WIDTH - 1] + "…"


@dataclass
class ImportSummary:
    """The outcome of one import run, as counts and text."""

    created: list[BadgeRecord] = field(default_factory=list)
    updated: list[BadgeRecord] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    """Where each badge came from (the file inside the folder, the URL, "pasted text")."""
    verified: dict[str, BadgeRecord] = field(default_factory=dict)
    verify_error: str | None = None
    cancelled: bool = False

    def add(self, result: ImportResult, label: str) -> None:
        if result.error is not None or result.record is None:
            self.failed.append((label, _one_line(result.error or "nothing imported")))
            return
        bucket = self.created if result.created else self.updated
        self.labels.setdefault(result.record.id, label)
        if all(r.id != result.record.id for r in (*self.created, *self.updated)):
            bucket.append(result.record)

    @property
    def records(self) -> list[BadgeRecord]:
        return [*self.created, *self.updated]

    @property
    def headline(self) -> str:
        return f"{len(self.created)} imported, {len(self.updated)} updated, {len(self.failed)} failed"

    def text(self) -> str:
        lines = [self.headline + (" (stopped early)" if self.cancelled else "")]
        if self.records:
            lines.append("")
            for record in self.records:
                current = self.verified.get(record.id, record)
                status = current.status
                label = self.labels.get(record.id, record.id)
                # The source's label, not a placeholder, stands in for a badge without a name: it says which one.
                name = current.info.name or record.info.name
                verb = "imported" if record in self.created else "updated"
                shown = f"{name} ({label})" if name and label != PASTED_LABEL and len(self.records) > 1 else name
                lines.append(f"{words_for(status).icon} {shown or label} — {status} ({verb})")
        if self.failed:
            lines += ["", "Failed:"]
            lines += [f"✘ {label}: {reason}" for label, reason in self.failed]
        if self.verify_error:
            lines += ["", f"Not verified: {self.verify_error}"]
        elif self.records and not self.verified:
            lines += ["", "Not verified yet: recheck them from the home screen (r / R)."]
        elif self.verified:
            statuses = [record.status for record in self.verified.values()]
            counts = [f"{statuses.count(s)} {s}" for s in STATUSES if s in statuses]
            lines += ["", "Verified: " + " · ".join(counts)]
        return "\n".join(lines)


class SourceInput(Input):
    """The source field: a multi-line paste (pretty-printed JSON) goes to the paste box instead of losing lines."""

    @dataclass
    class MultilinePaste(Message):
        text: str

    def on_paste(self, event: events.Paste) -> None:
        if "\n" in event.text.strip():
            event.prevent_default()  # Input's own handler would keep only the first line
            event.stop()
            self.post_message(self.MultilinePaste(event.text))


class ImportDialog(BackpackDialog[list[str] | None]):
    BINDINGS = [Binding("escape", "close", "Close")]

    DEFAULT_CSS = """
    ImportDialog #pasted { height: 5; }
    ImportDialog #import-progress { margin-top: 1; }
    ImportDialog #import-summary-scroll { height: 1fr; min-height: 2; margin-top: 1; }
    ImportDialog .error { color: $error; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.imported_ids: list[str] = []
        self.summary: ImportSummary | None = None
        self._stop = threading.Event()
        self._worker: Worker[None] | None = None
        self._ran = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="import-dialog"):
            yield Label("Import badges", classes="title")
            yield SourceInput(
                placeholder="File or folder path, https:// URL, or a pasted JSON/JWT",
                suggester=PathSuggester(),
                id="source",
            )
            yield Label("→ accepts a path completion · Enter imports · Esc closes (or stops an import)", classes="hint")
            yield Label("…or paste a badge (JSON or JWT) here, then Tab to Import:", classes="hint")
            yield TextArea(id="pasted", soft_wrap=True, show_line_numbers=False)
            yield ProgressBar(id="import-progress", show_eta=False)
            yield Static("", id="import-status", markup=False)
            with VerticalScroll(id="import-summary-scroll"):
                yield Static("", id="import-summary", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Import", id="import", variant="primary")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.query_one("#import-progress", ProgressBar).display = False
        self.query_one("#import-summary-scroll").display = False
        self.query_one("#source", Input).focus()

    # -- input -----------------------------------------------------------------------------------------------------

    @on(Input.Submitted, "#source")
    def _submitted(self) -> None:
        self.action_run_import()

    @on(SourceInput.MultilinePaste)
    def _multiline_paste(self, message: SourceInput.MultilinePaste) -> None:
        area = self.query_one("#pasted", TextArea)
        area.load_text(message.text)
        area.focus()
        self._status("Pasted text moved to the paste box: Tab to Import, then Enter.")

    @on(Button.Pressed, "#import")
    def _import_pressed(self) -> None:
        self.action_run_import()

    @on(Button.Pressed, "#close")
    def _close_pressed(self) -> None:
        self.action_close()

    def action_run_import(self) -> None:
        if self.running:
            self.notify("An import is already running (Esc stops it)", severity="warning")
            return
        field_ = self.query_one("#source", Input)
        area = self.query_one("#pasted", TextArea)
        if field_.value.strip():
            classified = classify_input(field_.value)
            used: Input | TextArea = field_
        elif area.text.strip():
            classified = Classified(source=PASTED, stdin=area.text.strip().encode("utf-8"))
            used = area
        else:
            classified = classify_input("")
            used = field_
        if classified.error is not None or classified.source is None:
            self._status(classified.error or "Nothing to import", error=True)
            used.focus()
            return
        self._stop.clear()
        self._ran = True
        self._set_busy(True)
        self._worker = self._import(classified)

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.is_running

    def action_close(self) -> None:
        if self.running:
            self._stop.set()
            self._status("Stopping after the current file…")
            return
        self.dismiss(list(dict.fromkeys(self.imported_ids)) if self._ran else None)

    # -- the work ------------------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="import")
    def _import(self, classified: Classified) -> None:
        summary = ImportSummary()
        try:
            self._run(classified, summary)
        except Exception as exc:  # noqa: BLE001 - whatever went wrong is shown in the dialog, never a traceback
            summary.failed.append(("import", _one_line(str(exc) or type(exc).__name__)))
        self._ui(self._finish, summary)

    def _run(self, classified: Classified, summary: ImportSummary) -> None:
        source = classified.source
        assert source is not None
        self._ui(self._status, "Looking for badges…" if classified.folder else "Importing…")
        worker = get_current_worker()
        stage, label = "importing", self._label(source, classified.folder)

        def step(event: ImportProgress) -> None:
            nonlocal stage, label
            stage = event.stage
            if event.stage == "importing":
                label = self._label(event.source, classified.folder)
                if event.done == 0:
                    self._ui(self._progress, 0, event.total)
                self._ui(self._status, f"Importing {event.done + 1}/{event.total}: {label}")
            elif event.stage == "imported":
                # Sources are stored in batches: this one may not be the last one announced as importing.
                label = self._label(event.source, classified.folder)
                for result in event.results:
                    summary.add(result, label)
                self._ui(self._progress, event.done, event.total)
            elif event.stage == "verifying":
                if event.done == 0:
                    self._ui(self._progress, 0, event.total)
                last = min(event.done + _VERIFY_CHUNK, event.total)
                self._ui(self._status, f"Verifying {event.done + 1}–{last} of {event.total}…")
            else:
                for record, _report in event.reports:
                    summary.verified[record.id] = record
                self._ui(self._progress, event.done, event.total)

        receive = ReceiveOptions(
            policy=self.backpack_app.fetch_policy, ask_tx_code=self._ask_pin, open_browser=self._open_browser
        )
        try:
            outcome = import_and_verify(
                self.backpack_app.store,
                [source],
                policy=self.backpack_app.fetch_policy,
                receive=receive,
                stdin=classified.stdin,
                verify_records=self.backpack_app.recheck,
                verify_chunk=_VERIFY_CHUNK,
                progress=step,
                cancelled=lambda: self._stop.is_set() or worker.is_cancelled,
            )
        except Exception as exc:  # noqa: BLE001 - shown in the summary, never a traceback
            reason = _one_line(str(exc) or type(exc).__name__)
            if stage in ("importing", "imported"):  # the store itself failed: the other files were not tried
                summary.failed.append((label, reason))
            else:  # the badges stay imported, unchecked
                summary.verify_error = reason
            return
        summary.cancelled = outcome.cancelled
        if classified.folder is not None and not outcome.results and not outcome.cancelled:
            summary.failed.append((str(classified.folder), "the folder holds no files"))

    def _ask_pin(self, request: TxCodeRequest) -> str | None:
        """The PIN an offer needs, asked in a dialog (from the import's worker thread: it waits for the answer)."""
        answer: list[str | None] = []
        done = threading.Event()
        again = "That PIN was not accepted. " if request.attempt > 1 else ""
        length = f"{request.length}-character " if request.length else ""
        hint = f" ({request.description})" if request.description else ""
        prompt = f"{again}Type the {length}PIN the issuer sent you{hint}:"

        def ask() -> None:
            def answered(value: str | None) -> None:
                answer.append(value)
                done.set()

            self.app.push_screen(TextInputDialog(prompt, placeholder="PIN"), answered)

        self._ui(ask)
        while not done.wait(0.2):
            if self._stop.is_set():
                return None
        return answer[0] if answer else None

    def _open_browser(self, url: str) -> None:
        import webbrowser

        self._ui(self._status, "Log in with the issuer in your browser; the import goes on when you are back.")
        webbrowser.open(url)

    @staticmethod
    def _label(item: str, folder: Path | None) -> str:
        if item == PASTED:
            return PASTED_LABEL
        if folder is not None:
            try:
                return str(Path(item).relative_to(folder))
            except ValueError:
                return item
        return item

    def _ui(self, callback: object, *args: object) -> None:
        """Run ``callback`` on the UI thread, unless the dialog or the app has gone away meanwhile."""
        if get_current_worker().is_cancelled:
            return
        try:
            self.app.call_from_thread(callback, *args)  # type: ignore[arg-type]
        except RuntimeError:
            pass  # the app is shutting down

    # -- UI updates (on the UI thread) ---------------------------------------------------------------------------

    def _alive(self) -> bool:
        return self.is_attached and self in self.app.screen_stack

    def _status(self, text: str, *, error: bool = False) -> None:
        if not self._alive():
            return
        status = self.query_one("#import-status", Static)
        status.update(text)
        status.set_class(error, "error")

    def _progress(self, done: int, total: int) -> None:
        if not self._alive():
            return
        bar = self.query_one("#import-progress", ProgressBar)
        bar.display = total > 1
        bar.update(total=total, progress=done)

    def _set_busy(self, busy: bool) -> None:
        try:
            self.query_one("#import", Button).disabled = busy
            self.query_one("#source", Input).disabled = busy
            self.query_one("#pasted", TextArea).disabled = busy
        except NoMatches:
            return
        if busy:
            self.query_one("#close", Button).focus()

    def _finish(self, summary: ImportSummary) -> None:
        self.summary = summary
        self.imported_ids.extend(record.id for record in summary.records)
        if not self._alive():
            return
        self._set_busy(False)
        self._status("Stopped." if summary.cancelled else "Done.", error=bool(summary.failed) and not summary.records)
        self.query_one("#import-summary-scroll").display = True
        self.query_one("#import-dialog").add_class("has-summary")  # app.tcss: the dialog grows, buttons stay
        self.query_one("#import-summary", Static).update(summary.text())
        if summary.records:  # ready for the next import; a failed one stays for correction
            source = self.query_one("#source", Input)
            if source.value.strip():
                source.value = ""
            else:
                self.query_one("#pasted", TextArea).clear()
        self.query_one("#close", Button).focus()
