"""Collections: the list with each one's progress, the chosen one's badges in order, and what to do with them.

Create, rename, delete; add and take out badges; move a badge up or down; export (a signed bundle, baked images,
printable cards) in a worker; share with a link and a QR code drawn in the terminal, and unshare; publish to a share
host and withdraw from it, in a worker (the host verifies every badge before it answers).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from verifier import FetchPolicy

from ... import badge_collections as collections_lib
from ... import exporting, publishing, shares
from ...bundle import signed_by, write_bundle
from ...errors import WalletError
from ...settings import load_settings, set_setting
from ...status_words import words_for
from ...store import BadgeRecord
from .. import model
from ..base import BackpackScreen
from ..dialogs.choose import ChooseDialog
from ..dialogs.confirm import ConfirmDialog
from ..dialogs.share_dialog import ShareDialog
from ..dialogs.text_input import TextInputDialog

__all__ = ["CollectionsScreen", "file_stem"]


def file_stem(name: str) -> str:
    """A safe file name stem for a collection name: ``Job profile`` → ``job-profile``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:48].rstrip("-") or "collection"


def _target(path: str) -> Path:
    target = Path(path).expanduser()
    return target if target.is_absolute() else Path.cwd() / target


class CollectionsScreen(BackpackScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("n", "new", "New"),
        Binding("e", "rename", "Rename", show=False),
        Binding("d", "delete", "Delete", show=False),  # the footer keeps room for quit, help and sharing; ? lists all
        Binding("a", "add", "Add"),
        Binding("x", "take_out", "Take out", show=False),
        Binding("ctrl+up,K", "move(-1)", "Move", key_display="^↑↓"),
        Binding("ctrl+down,J", "move(1)", "Move down", show=False),
        Binding("l", "planned", "Planned steps", show=False),
        Binding("b", "export_bundle", "Bundle"),
        Binding("i", "export_images", "Images"),
        Binding("p", "export_cards", "Cards"),
        Binding("s", "share", "Share"),
        Binding("u", "unshare", "Unshare", show=False),  # the heading says "u to unshare" when shared
        # Out of the footer, full at 120 columns: the heading says "P to publish", and "W withdraws" once published.
        Binding("P", "publish", "Publish", show=False),
        Binding("W", "unpublish", "Withdraw", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.collections: dict[str, collections_lib.Collection] = {}
        self.records: dict[str, BadgeRecord] = {}
        self.active_shares: dict[str, list[shares.Share]] = {}
        self.live_publications: dict[str, list[publishing.Publication]] = {}
        self._shown: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="coll-body"):
            with Vertical(id="coll-left"):
                yield OptionList(id="coll-list")
                yield Static("", id="coll-empty", classes="hint", markup=False)
            with Vertical(id="coll-right"):
                yield Static("", id="coll-heading", markup=False)
                yield DataTable(id="coll-badges", cursor_type="row", zebra_stripes=True)
                yield Static("", id="coll-planned", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Collections"
        listing = self.query_one("#coll-list", OptionList)
        listing.border_title = "Collections"
        table = self.query_one("#coll-badges", DataTable)
        table.border_title = "Badges, in order"
        for key, label in (("step", "#"), ("status", "Status"), ("name", "Name"), ("issuer", "Issuer")):
            table.add_column(label, key=key)
        self.reload()
        listing.focus()

    # -- data ----------------------------------------------------------------------------------------------------

    @property
    def store(self) -> Any:
        return self.backpack_app.store

    def reload(self, collection_id: str | None = None, badge_id: str | None = None) -> None:
        """Read the store again and show it, keeping (or moving to) the given collection and badge."""
        current = collection_id or self.selected_collection_id()
        self.records = {r.id: r for r in self.store.list_badges()}
        found = sorted(collections_lib.list_collections(self.store), key=lambda c: (c.name.casefold(), c.id))
        self.collections = {c.id: c for c in found}
        self.active_shares = {}
        for share in shares.list_shares(self.store):
            if share.kind == "collection" and share.state() == "active":
                self.active_shares.setdefault(share.target, []).append(share)
        self.live_publications = {}
        for publication in publishing.published(self.store):
            if publication.state() == "live":
                self.live_publications.setdefault(publication.collection_id, []).append(publication)
        listing = self.query_one("#coll-list", OptionList)
        listing.clear_options()
        listing.add_options([Option(self._prompt(c), id=c.id) for c in found])
        if found:
            ids = [c.id for c in found]
            listing.highlighted = ids.index(current) if current in ids else 0
        empty = self.query_one("#coll-empty", Static)
        empty.update("" if found else "No collections yet.\nPress n to create one.")
        empty.display = not found
        self.show_collection(badge_id, force=True)

    def _prompt(self, collection: collections_lib.Collection) -> Text:
        text = Text(collection.name, style="bold", no_wrap=True, overflow="ellipsis")
        line = collections_lib.progress(collection, self.records).text
        if collection.id in self.active_shares:
            line += " · shared"
        if collection.id in self.live_publications:
            line += " · published"
        text.append("\n" + line, style="not bold dim")
        return text

    def selected_collection_id(self) -> str | None:
        listing = self.query_one("#coll-list", OptionList)
        option = listing.highlighted_option if listing.option_count else None
        return option.id if option is not None else None

    def selected(self) -> collections_lib.Collection | None:
        return self.collections.get(self.selected_collection_id() or "")

    def selected_badge_id(self) -> str | None:
        table = self.query_one("#coll-badges", DataTable)
        if table.row_count == 0:
            return None
        try:
            return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        except Exception:  # noqa: BLE001 - an empty or refreshing table has no cursor row
            return None

    def show_collection(self, badge_id: str | None = None, *, force: bool = False) -> None:
        """Show the highlighted collection's badges on the right (keeping the cursor's badge when it stays)."""
        collection = self.selected()
        shown = collection.id if collection else None
        if shown == self._shown and not force and badge_id is None:
            return
        keep = badge_id or (self.selected_badge_id() if shown == self._shown else None)
        self._shown = shown
        table = self.query_one("#coll-badges", DataTable)
        heading = self.query_one("#coll-heading", Static)
        planned = self.query_one("#coll-planned", Static)
        table.clear()
        if collection is None:
            heading.update(Text("Collections group badges that tell one story: a learning path, a job profile."))
            planned.update("")
            planned.display = False
            return
        for step, badge in enumerate(collection.badge_ids, start=1):
            record = self.records.get(badge)
            if record is None:
                table.add_row(str(step), Text("? missing", style="dim"), "(no longer in the backpack)", "", key=badge)
                continue
            row = model.rows([record])[0]
            status = Text(row.status_cell, style=words_for(row.status).style)
            table.add_row(str(step), status, row.name, row.issuer, key=badge)
        heading.update(self._heading(collection))
        if collection.planned:
            start = len(collection.badge_ids) + 1
            lines = Text("Planned steps (not earned yet)\n", style="bold")
            for step, name in enumerate(collection.planned, start=start):
                lines.append(f"{step:>3}  ○ {name}\n", style="not bold")
            planned.update(lines)
        planned.display = bool(collection.planned)
        ids = collection.badge_ids
        if keep in ids:
            table.move_cursor(row=ids.index(keep), animate=False)

    def _heading(self, collection: collections_lib.Collection) -> Text:
        text = Text(collection.name, style="bold")
        text.append("  " + collections_lib.progress(collection, self.records).text, style="dim")
        if collection.description:
            description = " ".join(collection.description.split())
            text.append("\n" + (description if len(description) <= 200 else description[:199] + "…"))
        if collection.tags:
            text.append("\nTags: " + ", ".join(collection.tags), style="dim")
        active = self.active_shares.get(collection.id)
        if active:
            newest = max(active, key=lambda s: s.created_at)
            text.append("\nShared · s shows the link and its QR code · u unshares\n", style="dim")
            text.append(shares.share_url(self.store, newest), style="green")
        else:
            text.append("\nNot shared · s to share", style="dim")
        live = self.live_publications.get(collection.id)
        if live:
            text.append("\nPublished · P publishes again · W withdraws\n", style="dim")
            text.append(live[0].url, style="green")  # newest first
        else:
            text.append("\nNot published · P to publish to a share host", style="dim")
        if not collection.badge_ids:
            text.append("\nNo badges yet · a to add some", style="dim")
        return text

    @on(OptionList.OptionHighlighted, "#coll-list")
    def _collection_highlighted(self) -> None:
        self.show_collection()

    @on(OptionList.OptionSelected, "#coll-list")
    def _collection_selected(self) -> None:
        self.query_one("#coll-badges", DataTable).focus()

    @on(DataTable.RowSelected, "#coll-badges")
    def _badge_selected(self) -> None:
        badge_id = self.selected_badge_id()
        if badge_id in self.records:
            from .detail import BadgeScreen

            self.app.push_screen(BadgeScreen(badge_id))

    def on_screen_resume(self) -> None:
        self.reload()

    # -- helpers -------------------------------------------------------------------------------------------------

    def _error(self, what: str, exc: Exception) -> None:
        self.app.notify(f"{what}: {exc}", severity="error", markup=False)

    def _apply(self, what: str, change: Callable[[], Any]) -> Any:
        """Run a store change; a refusal shows as a notification. Returns the change's result, or None."""
        try:
            return change()
        except WalletError as exc:
            self._error(what, exc)
            return None

    def _need_collection(self) -> collections_lib.Collection | None:
        collection = self.selected()
        if collection is None:
            self.notify("No collection selected: press n to create one")
        return collection

    def _need_badges(self, collection: collections_lib.Collection) -> bool:
        if not any(b in self.records for b in collection.badge_ids):
            self.notify(f"{collection.name} holds no badges yet: press a to add some", markup=False)
            return False
        return True

    # -- editing -------------------------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_new(self) -> None:
        def named(name: str | None) -> None:
            if not name:
                return
            created = self._apply("Not created", lambda: collections_lib.create_collection(self.store, name))
            if created is not None:
                self.reload(created.id)
                self.notify(f"Created {created.name}: press a to add badges", markup=False)

        self.app.push_screen(TextInputDialog("Name of the new collection:", placeholder="e.g. Job profile"), named)

    def action_rename(self) -> None:
        collection = self._need_collection()
        if collection is None:
            return

        def named(name: str | None) -> None:
            if not name or name == collection.name:
                return
            renamed = self._apply(
                "Not renamed", lambda: collections_lib.rename_collection(self.store, collection.name, name)
            )
            if renamed is not None:
                self.reload(renamed.id)
                self.notify(f"Renamed to {renamed.name}", markup=False)

        self.app.push_screen(TextInputDialog(f"Rename {collection.name} to:", value=collection.name), named)

    def action_delete(self) -> None:
        collection = self._need_collection()
        if collection is None:
            return
        shared = collection.id in self.active_shares
        question = f"Delete the collection {collection.name}? Its badges stay in your backpack" + (
            "; its share link stops working." if shared else "."
        )

        def confirmed(answer: bool | None) -> None:
            if not answer:
                return
            if self._apply("Not deleted", lambda: collections_lib.delete_collection(self.store, collection.name)):
                self.reload()
                self.notify(f"Deleted {collection.name}", markup=False)

        self.app.push_screen(ConfirmDialog(question, yes="Delete"), confirmed)

    def action_add(self) -> None:
        collection = self._need_collection()
        if collection is None:
            return
        rows = model.sort_rows(
            model.rows([r for r in self.records.values() if r.id not in collection.badge_ids]), "name"
        )
        if not rows:
            self.notify("Every badge of your backpack is in this collection already")
            return
        options = [
            (row.id, f"{row.status_cell}  {row.name}" + (f" — {row.issuer}" if row.issuer else "")) for row in rows
        ]

        def chosen(badge_id: str | None) -> None:
            if not badge_id:
                return
            updated = self._apply(
                "Not added", lambda: collections_lib.add_badges(self.store, collection.name, [badge_id])
            )
            if updated is not None:
                self.reload(updated.id, badge_id)
                self.notify(f"Added {self.records[badge_id].display_name}", markup=False)

        self.app.push_screen(ChooseDialog(f"Add which badge to {collection.name}?", options), chosen)

    def action_take_out(self) -> None:
        collection = self._need_collection()
        badge_id = self.selected_badge_id()
        if collection is None or badge_id is None:
            return
        index = collection.badge_ids.index(badge_id) if badge_id in collection.badge_ids else 0
        updated = self._apply(
            "Not taken out", lambda: collections_lib.remove_badges(self.store, collection.name, [badge_id])
        )
        if updated is not None:
            following = updated.badge_ids[min(index, len(updated.badge_ids) - 1)] if updated.badge_ids else None
            self.reload(updated.id, following)
            record = self.records.get(badge_id)
            name = record.display_name if record else badge_id
            self.notify(f"Took {name} out of {updated.name} (it stays in your backpack)", markup=False)

    def action_move(self, offset: int) -> None:
        collection = self.selected()
        badge_id = self.selected_badge_id()
        if collection is None or badge_id not in collection.badge_ids:
            return
        order = list(collection.badge_ids)
        index = order.index(badge_id)
        new_index = index + offset
        if not 0 <= new_index < len(order):
            return
        order[index], order[new_index] = order[new_index], order[index]
        updated = self._apply("Not moved", lambda: collections_lib.reorder(self.store, collection.name, order))
        if updated is not None:
            self.reload(updated.id, badge_id)

    def action_planned(self) -> None:
        collection = self._need_collection()
        if collection is None:
            return

        def entered(text: str | None) -> None:
            if text is None:
                return
            steps = [step.strip() for step in text.split(";") if step.strip()]
            updated = self._apply(
                "Not changed", lambda: collections_lib.update_collection(self.store, collection.name, planned=steps)
            )
            if updated is not None:
                self.reload(updated.id)

        self.app.push_screen(
            TextInputDialog(
                "Planned steps not earned yet (achievement names, separated by ;):",
                value="; ".join(collection.planned),
            ),
            entered,
        )

    # -- exports -------------------------------------------------------------------------------------------------

    def _ask_path(self, prompt: str, default: str, then: Callable[[Path], None]) -> None:
        def answered(path: str | None) -> None:
            if path:
                then(_target(path))

        self.app.push_screen(TextInputDialog(prompt, value=str(Path.cwd() / default)), answered)

    def action_export_bundle(self) -> None:
        collection = self._need_collection()
        if collection is None or not self._need_badges(collection):
            return

        def chosen(target: Path) -> None:
            if target.is_dir():
                self.notify(f"{target} is a folder: give the bundle's file name", severity="error", markup=False)
                return
            self.notify(f"Building the bundle of {collection.name}…", markup=False)
            self._bundle_worker(collection, target, self.backpack_app.fetch_policy)

        self._ask_path("Save the signed bundle (JSON-LD) as:", f"{file_stem(collection.name)}.jsonld", chosen)

    @work(thread=True, group="collection-export")
    def _bundle_worker(self, collection: collections_lib.Collection, target: Path, policy: FetchPolicy) -> None:
        try:
            _collection, bundle, warnings = write_bundle(self.store, collection.id, target, fetch_policy=policy)
        except Exception as exc:  # noqa: BLE001 - a notification, never a traceback
            self.app.call_from_thread(self._error, "Bundle not written", exc)
            return
        self.app.call_from_thread(self._exported, f"Wrote {target}, signed by {signed_by(bundle)}", warnings)

    def action_export_images(self) -> None:
        collection = self._need_collection()
        if collection is None or not self._need_badges(collection):
            return

        def chosen(target: Path) -> None:
            self.notify(f"Baking the badges of {collection.name}…", markup=False)
            self._images_worker(collection, target)

        self._ask_path(
            "Save the baked badge images to (a folder, or a file ending in .zip):",
            f"{file_stem(collection.name)}.zip",
            chosen,
        )

    @work(thread=True, group="collection-export")
    def _images_worker(self, collection: collections_lib.Collection, target: Path) -> None:
        try:
            selection = exporting.select(self.store, collection.name)
            written = exporting.write_images(exporting.baked_images(self.store, selection), target)
        except Exception as exc:  # noqa: BLE001 - a notification, never a traceback
            self.app.call_from_thread(self._error, "Images not written", exc)
            return
        what = f"{len(written)} baked image{'s' if len(written) != 1 else ''}"
        self.app.call_from_thread(self._exported, f"Wrote {what} to {target}", self._skipped(selection))

    def action_export_cards(self) -> None:
        collection = self._need_collection()
        if collection is None or not self._need_badges(collection):
            return

        def chosen(target: Path) -> None:
            if target.suffix.lower() not in (".pdf", ".png"):
                self.notify(
                    f"A card file name ends in .pdf (or .png), not {target.name!r}", severity="error", markup=False
                )
                return
            self.notify(f"Drawing the cards of {collection.name}…", markup=False)
            self._cards_worker(collection, target)

        self._ask_path(
            "Save the printable cards (a PDF, one card a page) as:", f"{file_stem(collection.name)}-cards.pdf", chosen
        )

    @work(thread=True, group="collection-export")
    def _cards_worker(self, collection: collections_lib.Collection, target: Path) -> None:
        try:
            selection = exporting.select(self.store, collection.name)
            written = exporting.write_cards(self.store, selection, target)
            if target.suffix.lower() == ".pdf":
                message = f"Wrote {target}: {len(written)} card{'s' if len(written) != 1 else ''}"
            else:
                message = f"Wrote {len(written)} cards: {target.stem}-1{target.suffix}, …"
        except Exception as exc:  # noqa: BLE001 - a notification, never a traceback
            self.app.call_from_thread(self._error, "Cards not written", exc)
            return
        self.app.call_from_thread(self._exported, message, self._skipped(selection))

    @staticmethod
    def _skipped(selection: exporting.Selection) -> list[str]:
        return [f"badge {missing} is no longer in the backpack: skipped" for missing in selection.missing]

    def _exported(self, message: str, warnings: list[str]) -> None:
        self.app.notify(message, markup=False)
        if warnings:
            self.app.notify("\n".join(warnings), title="Warnings", severity="warning", timeout=12, markup=False)
        if self.is_attached:
            self.reload()  # a bundle rechecks its badges first: statuses may have changed

    # -- sharing -------------------------------------------------------------------------------------------------

    def action_share(self) -> None:
        collection = self._need_collection()
        if collection is None:
            return
        active = self.active_shares.get(collection.id)
        if active:
            self._show_share(collection, max(active, key=lambda s: s.created_at))
            return
        self._ask_about_identities(collection, "Share", lambda: self._create_share(collection))

    def _create_share(self, collection: collections_lib.Collection) -> None:
        share = self._apply("Not shared", lambda: shares.create_share(self.store, collection.name))
        if share is None:
            return
        self.notify(f"Shared {collection.name}", markup=False)
        self._show_share(collection, share)

    def _show_share(self, collection: collections_lib.Collection, share: shares.Share) -> None:
        self.reload(collection.id)
        url = shares.share_url(self.store, share)
        self.app.push_screen(ShareDialog(url, token=share.token, label=collection.name), lambda _: self.reload())

    def _ask_about_identities(
        self, collection: collections_lib.Collection, verb: str, go_ahead: Callable[[], None]
    ) -> None:
        """Go ahead at once, unless a badge names its earner by e-mail in its signed content: then say so and ask."""
        exposed = shares.exposed_identities(self.store, shares.share_targets(self.store, collection.id))
        if not exposed:
            go_ahead()
            return
        named = "; ".join(f"{name}: {', '.join(identities)}" for name, identities in exposed.items())
        question = (
            f"{verb} {collection.name}? These badges name their earner by e-mail in their signed content, which"
            f" anyone with the link can read (in the bundle and the badge images): {named}"
        )
        self.app.push_screen(
            ConfirmDialog(question, yes=f"{verb} anyway"), lambda answer: go_ahead() if answer else None
        )

    def action_unshare(self) -> None:
        collection = self._need_collection()
        if collection is None:
            return
        active = self.active_shares.get(collection.id, [])
        if not active:
            self.notify(f"{collection.name} is not shared", markup=False)
            return
        links = "its share link" if len(active) == 1 else f"its {len(active)} share links"

        def confirmed(answer: bool | None) -> None:
            if not answer:
                return
            for share in active:
                self._apply("Not unshared", functools.partial(shares.revoke_share, self.store, share.token))
            self.reload(collection.id)
            self.notify(f"Unshared {collection.name}: {links} no longer work", markup=False)

        self.app.push_screen(ConfirmDialog(f"Unshare {collection.name}? Revoke {links} now.", yes="Unshare"), confirmed)

    # -- publishing ----------------------------------------------------------------------------------------------

    def action_publish(self) -> None:
        collection = self._need_collection()
        if collection is None or not self._need_badges(collection):
            return
        self._ask_about_identities(collection, "Publish", lambda: self._choose_host(collection))

    def _choose_host(self, collection: collections_lib.Collection) -> None:
        saved = load_settings(self.store).publish_host
        if saved:
            self._start_publishing(collection, saved)
            return

        def entered(url: str | None) -> None:
            if not url:
                return
            # Saved, so that publishing again (and `backpack publish`) goes to the same host.
            if self._apply("Not published", lambda: set_setting(self.store, "publish-host", url)) is not None:
                self._start_publishing(collection, url)

        self.app.push_screen(
            TextInputDialog(
                "Publish to which share host? Its address (saved as your publish-host setting):",
                placeholder="https://badges.example.org",
            ),
            entered,
        )

    def _start_publishing(self, collection: collections_lib.Collection, host: str) -> None:
        host_url = self._apply("Not published", lambda: publishing.publish_host(self.store, host))
        if host_url is None:
            return
        self.notify(f"Publishing {collection.name} to {host_url}… the host checks every badge", markup=False)
        self._publish_worker(collection, host_url, self.backpack_app.fetch_policy)

    @work(thread=True, group="collection-publish")
    def _publish_worker(self, collection: collections_lib.Collection, host_url: str, policy: FetchPolicy) -> None:
        try:
            publication = publishing.publish(self.store, collection.id, host_url, fetch_policy=policy)
        except Exception as exc:  # noqa: BLE001 - a notification, never a traceback
            self.app.call_from_thread(self._error, "Not published", exc)
            return
        self.app.call_from_thread(self._published, publication)

    def _published(self, publication: publishing.Publication) -> None:
        if self.is_attached:
            self.reload(publication.collection_id)
        self.app.push_screen(
            ShareDialog(
                publication.url,
                label=publication.collection_name,
                title=f"Published: {publication.collection_name}",
            ),
            lambda _: self.reload() if self.is_attached else None,
        )

    def action_unpublish(self) -> None:
        collection = self._need_collection()
        if collection is None:
            return
        live = self.live_publications.get(collection.id, [])
        if not live:
            self.notify(f"{collection.name} is not published", markup=False)
            return
        pages = "its published page" if len(live) == 1 else f"its {len(live)} published pages"

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.notify(f"Withdrawing {pages}…", markup=False)
                self._unpublish_worker(collection)

        self.app.push_screen(
            ConfirmDialog(
                f"Withdraw {collection.name}? {pages.capitalize()} will say it was withdrawn.", yes="Withdraw"
            ),
            confirmed,
        )

    @work(thread=True, group="collection-publish")
    def _unpublish_worker(self, collection: collections_lib.Collection) -> None:
        try:
            withdrawn = publishing.unpublish(self.store, collection.id)
        except Exception as exc:  # noqa: BLE001 - a notification, never a traceback
            self.app.call_from_thread(self._error, "Not withdrawn", exc)
            return
        self.app.call_from_thread(self._withdrawn, collection, len(withdrawn))

    def _withdrawn(self, collection: collections_lib.Collection, count: int) -> None:
        self.app.notify(f"Withdrew {collection.name}: {count} page{'s' if count != 1 else ''} taken down", markup=False)
        if self.is_attached:
            self.reload(collection.id)
