"""The Textual app: the backpack's state (store, network policy) and the work that changes it, in workers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from verifier import FetchPolicy, Report

from ..settings import fetch_policy, load_settings
from ..store import BadgeRecord, Store
from ..verification import verify_records

if TYPE_CHECKING:
    from .screens.home import HomeScreen

__all__ = ["BackpackApp", "make_app"]

Verify = Callable[..., list[tuple[BadgeRecord, Report]]]


class BackpackApp(App[None]):
    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "Open Badges backpack"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "key_help", "Help", key_display="?"),
        Binding("ctrl+p", "command_palette", "Commands", show=False),
    ]

    def __init__(self, store: Store, *, verify: Verify = verify_records, fetch_policy: FetchPolicy | None = None):
        super().__init__()
        self.store = store
        self.verify = verify
        self._fetch_policy = fetch_policy

    @property
    def fetch_policy(self) -> FetchPolicy:
        """The policy for verification: the explicit one, else the backpack's settings (read each time: a change on
        the settings screen applies at once)."""
        if self._fetch_policy is not None:
            return self._fetch_policy
        return fetch_policy(load_settings(self.store))

    def on_mount(self) -> None:
        from .screens.home import HomeScreen

        self.sub_title = str(self.store.home)
        self.push_screen(HomeScreen())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        home = self._home()
        if home is None:
            return
        yield SystemCommand("Import badges", "Import files, folders, URLs or pasted JSON/JWT", home.action_import)
        yield SystemCommand("Recheck all badges", "Verify every badge again", home.action_recheck_all)
        yield SystemCommand("Collections", "Create, order, export and share collections", home.action_collections)
        yield SystemCommand(
            "Identities and settings", "Your identities, network policy, public URL", home.action_settings
        )

    def action_key_help(self) -> None:
        """Every key of the current screen, in the order the screen binds them, with what it does."""
        from .screens.key_help import KeyHelpScreen

        screen = self.screen
        if isinstance(screen, KeyHelpScreen):
            return
        seen: set[str] = set()
        keys: list[tuple[str, str]] = []
        for active in screen.active_bindings.values():
            binding = active.binding
            if not isinstance(active.node, (App, Screen)) and not binding.show:
                continue  # a widget's own keys (cursor movement) go without saying
            if not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((self.get_key_display(binding), binding.description))
        self.push_screen(KeyHelpScreen("Keys on this screen", keys, note=str(getattr(screen, "HELP_NOTE", ""))))

    def _home(self) -> HomeScreen | None:
        from .screens.home import HomeScreen

        return next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)

    def recheck(self, records: Sequence[BadgeRecord]) -> list[tuple[BadgeRecord, Report]]:
        """Verify ``records`` now (call from a worker thread, never from a handler)."""
        return self.verify(self.store, list(records), fetch_policy=self.fetch_policy)


def make_app(store: Store, verify: Verify = verify_records, *, fetch_policy: FetchPolicy | None = None) -> BackpackApp:
    """The TUI for ``store``; ``verify`` verifies stored badges (tests inject their own)."""
    return BackpackApp(store, verify=verify, fetch_policy=fetch_policy)
