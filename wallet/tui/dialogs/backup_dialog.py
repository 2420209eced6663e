"""Back up the backpack to an encrypted file, or restore one (``wallet.backup``): the file, the passphrase (hidden;
twice for a new backup), and for a restore whether to replace a backpack that is not empty. The dialog stays open
with the reason when the wallet refuses; it dismisses with a one-line summary when done, None when cancelled."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static
from textual.worker import Worker, WorkerState

from ...backup import MIN_PASSPHRASE_LENGTH, BackupSummary, restore_backup, write_backup
from ...errors import WalletError
from ...store import Store

__all__ = ["BackupDialog"]


def _described(summary: BackupSummary) -> str:
    counts = summary.counts
    key = ", the holder key" if summary.holder_key else ""
    return f"{counts.get('badges', 0)} badges, {counts.get('collections', 0)} collections{key}"


class BackupDialog(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, store: Store, mode: Literal["backup", "restore"], *, path: str = "") -> None:
        super().__init__()
        self.store, self.mode, self.path = store, mode, path

    def compose(self) -> ComposeResult:
        backing_up = self.mode == "backup"
        with Vertical(classes="dialog", id="backup-dialog"):
            yield Label(
                "Back up the whole backpack to a file encrypted with a passphrase"
                if backing_up
                else "Restore a backup (checked whole before anything changes)"
            )
            yield Input(value=self.path, placeholder="backpack-backup.obbackup", id="path")
            yield Input(password=True, placeholder="Passphrase", id="passphrase")
            if backing_up:
                yield Input(password=True, placeholder="The passphrase again", id="again")
                yield Label(
                    f"At least {MIN_PASSPHRASE_LENGTH} characters. Keep it: nobody can open the file without it.",
                    classes="hint",
                )
            else:
                yield Checkbox("Replace this backpack if it is not empty (its old files are kept aside)", id="replace")
            yield Static("", id="problem", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Back up" if backing_up else "Restore", id="go", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#path" if not self.path else "#passphrase", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.go()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "go":
            self.go()
        else:
            self.dismiss(None)

    def _problem(self, text: str) -> None:
        self.query_one("#problem", Static).update(text)

    def go(self) -> None:
        raw_path = self.query_one("#path", Input).value.strip()
        passphrase = self.query_one("#passphrase", Input).value
        if not raw_path:
            self._problem("Give the file.")
            return
        if self.mode == "backup" and passphrase != self.query_one("#again", Input).value:
            self._problem("The two passphrases differ.")
            return
        replace = self.mode == "restore" and self.query_one("#replace", Checkbox).value
        self._problem("Working… (deriving the key from the passphrase takes a moment)")
        self.query_one("#go", Button).disabled = True
        # Off the UI thread: the memory-hard key derivation takes a good fraction of a second.
        self.run_worker(
            partial(self._run, Path(raw_path).expanduser(), passphrase, replace),
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _run(self, path: Path, passphrase: str, replace: bool) -> tuple[bool, str]:
        """The wallet's work, on the worker's thread: (done, the summary or the refusal)."""
        try:
            if self.mode == "backup":
                summary = write_backup(self.store, path, passphrase)
                return True, f"Backed up to {path}: {_described(summary)}"
            summary = restore_backup(self.store, path, passphrase, replace=replace)
            return True, f"Restored {path}: {_described(summary)}"
        except WalletError as exc:
            return False, str(exc)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Dismissed only once the worker has finished: a screen's workers end with it.
        if event.state == WorkerState.SUCCESS and event.worker.result is not None:
            done, text = event.worker.result
            if done:
                self.dismiss(text)
            else:
                self._refused(text)
        elif event.state == WorkerState.ERROR:
            self._refused(f"Failed: {event.worker.error}")

    def _refused(self, reason: str) -> None:
        self._problem(reason)
        self.query_one("#go", Button).disabled = False

    def action_cancel(self) -> None:
        self.dismiss(None)
