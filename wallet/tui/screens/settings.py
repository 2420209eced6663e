"""Identities and settings: the earner's identities (for recipient checks), the network policy, the public URL."""

from __future__ import annotations

from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, Label, Static, Switch

from ...errors import InvalidIdentity, WalletError
from ...identities import normalize_identity
from ...settings import (
    DEFAULT_PUBLIC_URL,
    DISPLAY_NAME_MAX,
    Settings,
    clean_display_name,
    load_settings,
    set_setting,
    validate_public_url,
)
from ...store import Store
from ..base import BackpackScreen
from ..dialogs.backup_dialog import BackupDialog
from ..dialogs.confirm import ConfirmDialog
from ..dialogs.text_input import TextInputDialog

__all__ = ["SettingsScreen", "validate_public_url"]


class SettingsScreen(BackpackScreen[None]):
    BINDINGS = [
        Binding("a", "add_identity", "Add identity"),
        Binding("x", "remove_identity", "Remove identity"),
        Binding("b", "backup", "Back up"),
        Binding("r", "restore", "Restore"),
        Binding("escape", "back", "Back"),
    ]

    DEFAULT_CSS = """
    SettingsScreen #settings-body { padding: 0 2; }
    SettingsScreen .section { text-style: bold; margin-top: 1; color: $accent; }
    SettingsScreen #identities { height: auto; max-height: 12; }
    SettingsScreen .switch-row { height: auto; }
    SettingsScreen .switch-row Label { padding: 1 1; }
    SettingsScreen .setting-input { width: 72; }
    SettingsScreen .note { color: $text-muted; }
    SettingsScreen .error { color: $error; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="settings-body"):
            yield Label("Identities", classes="section")
            yield Label(
                "The emails, URLs, telephone numbers and DIDs your badges are issued to · a: add · x: remove",
                classes="note",
            )
            yield DataTable(id="identities", cursor_type="row", zebra_stripes=True)
            yield Label("Network", classes="section")
            with Horizontal(classes="switch-row"):
                yield Switch(id="offline")
                yield Label("Offline (use cached documents only)")
            with Horizontal(classes="switch-row"):
                yield Switch(id="allow-private")
                yield Label("Allow private network addresses")
            yield Static("", id="network-note", classes="note", markup=False)
            yield Label("Public base URL (share links start with it)", classes="section")
            yield Input(placeholder=DEFAULT_PUBLIC_URL, id="public-url", classes="setting-input")
            yield Static("", id="public-url-note", classes="note", markup=False)
            yield Label("Display name (shown on your share pages)", classes="section")
            yield Input(
                placeholder="Your name", id="display-name", classes="setting-input", max_length=DISPLAY_NAME_MAX
            )
            yield Label("Backup", classes="section")
            yield Label(
                "b: back up the whole backpack to a file encrypted with a passphrase · r: restore a backup",
                classes="note",
            )
            yield Label("Enter saves a field (leaving it saves too) · Esc goes back", classes="note")
        yield Footer()

    @property
    def store(self) -> Store:
        return self.backpack_app.store

    def on_mount(self) -> None:
        self.title = "Identities and settings"
        table = self.query_one("#identities", DataTable)
        table.add_column("Kind", key="kind")
        table.add_column("Value", key="value")
        self.load_values()
        table.focus()

    def load_values(self) -> None:
        """Show the backpack's identities and saved settings (on opening, and after a restore)."""
        try:
            settings = load_settings(self.store)
        except WalletError as exc:
            self.notify(f"Cannot read the settings: {exc}", severity="error")
            settings = Settings()
        # Set before the handlers can see a change: the initial values are not edits.
        with self.prevent(Switch.Changed):
            self.query_one("#offline", Switch).value = settings.offline
            self.query_one("#allow-private", Switch).value = settings.allow_private_network
        self.query_one("#public-url", Input).value = settings.public_url
        self.query_one("#display-name", Input).value = settings.display_name
        self.reload_identities()
        self.show_notes()

    # -- identities ----------------------------------------------------------------------------------------------

    def reload_identities(self, selected: str | None = None) -> None:
        table = self.query_one("#identities", DataTable)
        current = selected or self.selected_identity()
        table.clear()
        try:
            identities = self.store.list_identities()
        except WalletError as exc:
            self.notify(f"Cannot read your identities: {exc}", severity="error")
            identities = []
        for row in identities:
            table.add_row(row.get("kind", ""), row["value"], key=row["value"])
        if current is not None and current in {str(k.value) for k in table.rows}:
            table.move_cursor(row=table.get_row_index(current))

    def selected_identity(self) -> str | None:
        table = self.query_one("#identities", DataTable)
        if table.row_count == 0:
            return None
        try:
            return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        except Exception:  # noqa: BLE001 - an empty or refreshing table has no cursor row
            return None

    def action_add_identity(self) -> None:
        def done(raw: str | None) -> None:
            if not raw:
                return
            try:
                kind, value = normalize_identity(raw)
            except InvalidIdentity as exc:
                self.notify(str(exc), title="Not an identity", severity="error")
                return
            try:
                _row, created = self.store.add_identity(kind, value)
            except WalletError as exc:
                self.notify(f"Cannot add the identity: {exc}", severity="error")
                return
            self.reload_identities(value)
            self.query_one("#identities", DataTable).focus()
            if created:
                self.notify(f"Added {kind} {value}: recheck your badges (R on the home screen) to use it")
            else:
                self.notify(f"{value} is already one of your identities", severity="warning")

        self.app.push_screen(
            TextInputDialog(
                "Add an identity: an email address, an http(s) URL, a telephone number (+15551234567) or a DID",
                placeholder="you@example.com",
            ),
            done,
        )

    def action_remove_identity(self) -> None:
        value = self.selected_identity()
        if value is None:
            self.notify("No identity to remove: press a to add one", severity="warning")
            return

        def done(confirmed: bool | None) -> None:
            if not confirmed:
                return
            try:
                self.store.remove_identity(value)
            except WalletError as exc:
                self.notify(f"Cannot remove the identity: {exc}", severity="error")
            else:
                self.notify(f"Removed {value}")
            self.reload_identities()
            self.query_one("#identities", DataTable).focus()

        self.app.push_screen(ConfirmDialog(f"Remove the identity {value}?", yes="Remove"), done)

    # -- backup ----------------------------------------------------------------------------------------------------

    def action_backup(self) -> None:
        self._backup_dialog("backup")

    def action_restore(self) -> None:
        self._backup_dialog("restore")

    def _backup_dialog(self, mode: Literal["backup", "restore"]) -> None:
        def done(summary: str | None) -> None:
            if summary:
                self.notify(summary)
                if mode == "restore":
                    self.load_values()

        self.app.push_screen(BackupDialog(self.store, mode), done)

    # -- network policy ------------------------------------------------------------------------------------------

    @on(Switch.Changed, "#offline")
    def _offline_changed(self, event: Switch.Changed) -> None:
        if self._save("offline", event.value):
            self.notify("Offline: verification uses cached documents only" if event.value else "Online")
        self.show_notes()

    @on(Switch.Changed, "#allow-private")
    def _private_changed(self, event: Switch.Changed) -> None:
        if self._save("allow_private_network", event.value):
            self.notify("Private network addresses allowed" if event.value else "Private network addresses refused")
        self.show_notes()

    # -- public URL and display name -----------------------------------------------------------------------------

    @on(Input.Submitted, "#public-url")
    def _public_url_submitted(self, event: Input.Submitted) -> None:
        self.save_public_url(event.value, always=True)

    @on(Input.Blurred, "#public-url")
    def _public_url_blurred(self, event: Input.Blurred) -> None:
        self.save_public_url(event.value, always=False)

    def save_public_url(self, raw: str, *, always: bool) -> None:
        note = self.query_one("#public-url-note", Static)
        try:
            value = validate_public_url(raw)
        except ValueError as exc:
            note.update(f"Not saved: {exc}")
            note.set_class(True, "error")
            if always:
                self.notify(str(exc), title="Public URL not saved", severity="error")
            return
        if value == self._settings().public_url and not always:
            self.show_notes()
            return
        if self._save("public_url", value):
            self.query_one("#public-url", Input).value = value
            self.notify(f"Public URL: {value}" if value else f"Public URL reset to {DEFAULT_PUBLIC_URL}")
        self.show_notes()

    @on(Input.Submitted, "#display-name")
    def _display_name_submitted(self, event: Input.Submitted) -> None:
        self.save_display_name(event.value, always=True)

    @on(Input.Blurred, "#display-name")
    def _display_name_blurred(self, event: Input.Blurred) -> None:
        self.save_display_name(event.value, always=False)

    def save_display_name(self, raw: str, *, always: bool) -> None:
        value = clean_display_name(raw)
        if value == self._settings().display_name and not always:
            return
        if self._save("display_name", value):
            self.notify(f"Display name: {value}" if value else "Display name cleared")

    # -- helpers -------------------------------------------------------------------------------------------------

    def _settings(self) -> Settings:
        try:
            return load_settings(self.store)
        except WalletError:
            return Settings()

    def _save(self, name: str, value: str | bool) -> bool:
        try:
            set_setting(self.store, name, value)
        except WalletError as exc:
            self.notify(f"Cannot save the setting: {exc}", severity="error")
            return False
        return True

    def show_notes(self) -> None:
        """Say where the effective values come from when the environment overrides the backpack's settings."""
        settings = self._settings()
        network = []
        if settings.environment.allow_private_network:
            network.append("BACKPACK_ALLOW_PRIVATE_NETWORK is set: private addresses are allowed whatever this says.")
        if getattr(self.app, "_fetch_policy", None) is not None:
            network.append("This session was started with an explicit network policy: changes apply next time.")
        network_note = self.query_one("#network-note", Static)
        network_note.update("\n".join(network))
        network_note.display = bool(network)
        note = self.query_one("#public-url-note", Static)
        note.set_class(False, "error")
        override = settings.environment.public_url
        if override:
            note.update(f"BACKPACK_PUBLIC_URL={override} overrides this setting: share links use {override}")
        else:
            note.update(f"Share links use {settings.base_url}")

    def action_back(self) -> None:
        # Esc from a field that was edited but not submitted still keeps the edit (or says why it could not).
        url = self.query_one("#public-url", Input).value
        if validate_or_none(url) != self._settings().public_url:
            self.save_public_url(url, always=True)
        self.save_display_name(self.query_one("#display-name", Input).value, always=False)
        self.dismiss(None)


def validate_or_none(raw: str) -> str | None:
    try:
        return validate_public_url(raw)
    except ValueError:
        return None
