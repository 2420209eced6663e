"""Collections: badges stacked into one story (a learning path, a job profile), in order, with planned steps."""

from __future__ import annotations

import json

import click

from .. import badge_collections
from ..store import Store
from ._common import mark, store_of

__all__ = ["COMMANDS"]


@click.group("collection")
def collection_group() -> None:
    """Collections: badges stacked into one story (a learning path, a job profile)."""


def _print_collection(store: Store, collection: badge_collections.Collection) -> None:
    badges = {record.id: record for record in store.list_badges()}
    click.echo(click.style(collection.name, bold=True) + f"  ({collection.id})")
    if collection.description:
        click.echo(collection.description)
    if collection.tags:
        click.echo("tags: " + ", ".join(collection.tags))
    click.echo(badge_collections.progress(collection, badges).text)
    for step, badge_id in enumerate(collection.badge_ids, start=1):
        record = badges.get(badge_id)
        if record is None:
            click.echo(f"{step:>3}. {badge_id}  (no longer in the backpack)")
            continue
        click.echo(f"{step:>3}. {record.id}  {mark(record.status)} {record.display_name}")
    for step, planned in enumerate(collection.planned, start=len(collection.badge_ids) + 1):
        click.echo(f"{step:>3}. {'':10}  ○ {'planned':<12} {planned}")


@collection_group.command("create")
@click.argument("name")
@click.option("--description", default="", help="What the collection shows.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@click.option("--plan", "planned", multiple=True, metavar="STEP", help="A step not earned yet (repeatable).")
@click.pass_context
def collection_create(
    ctx: click.Context, name: str, description: str, tags: tuple[str, ...], planned: tuple[str, ...]
) -> None:
    """Create a collection."""
    created = badge_collections.create_collection(
        store_of(ctx), name, description=description, tags=list(tags), planned=list(planned)
    )
    click.echo(f"created collection {created.name!r} ({created.id})")


@collection_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def collection_list(ctx: click.Context, as_json: bool) -> None:
    """List collections with their progress."""
    store = store_of(ctx)
    found = badge_collections.list_collections(store)
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo('No collections yet. Create one with: backpack collection create "My learning path"')
        return
    badges = {record.id: record for record in store.list_badges()}
    for collection in found:
        click.echo(f"{collection.id}  {collection.name}  ·  {badge_collections.progress(collection, badges).text}")


@collection_group.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def collection_show(ctx: click.Context, name: str, as_json: bool) -> None:
    """Show a collection's badges in order, with their status."""
    store = store_of(ctx)
    collection = badge_collections.get_collection(store, name)
    if as_json:
        badges = {record.id: record for record in store.list_badges()}
        progress = badge_collections.progress(collection, badges)
        document = {**collection.to_dict(), "progress": {"earned": progress.earned, "total": progress.total}}
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        _print_collection(store, collection)


@collection_group.command("add")
@click.argument("name")
@click.argument("badge_ids", nargs=-1, required=True)
@click.pass_context
def collection_add(ctx: click.Context, name: str, badge_ids: tuple[str, ...]) -> None:
    """Add badges to a collection (at the end)."""
    updated = badge_collections.add_badges(store_of(ctx), name, list(badge_ids))
    click.echo(f"{updated.name!r} now holds {len(updated.badge_ids)} badges")


@collection_group.command("remove")
@click.argument("name")
@click.argument("badge_ids", nargs=-1, required=True)
@click.pass_context
def collection_remove(ctx: click.Context, name: str, badge_ids: tuple[str, ...]) -> None:
    """Take badges out of a collection (they stay in the backpack)."""
    updated = badge_collections.remove_badges(store_of(ctx), name, list(badge_ids))
    click.echo(f"{updated.name!r} now holds {len(updated.badge_ids)} badges")


@collection_group.command("order")
@click.argument("name")
@click.argument("badge_ids", nargs=-1, required=True)
@click.pass_context
def collection_order(ctx: click.Context, name: str, badge_ids: tuple[str, ...]) -> None:
    """Put the given badges first, in this order (the others follow in their current order)."""
    store = store_of(ctx)
    _print_collection(store, badge_collections.reorder(store, name, list(badge_ids)))


@collection_group.command("rename")
@click.argument("name")
@click.argument("new_name")
@click.pass_context
def collection_rename(ctx: click.Context, name: str, new_name: str) -> None:
    """Rename a collection."""
    updated = badge_collections.rename_collection(store_of(ctx), name, new_name)
    click.echo(f"renamed to {updated.name!r}")


@collection_group.command("delete")
@click.argument("name")
@click.pass_context
def collection_delete(ctx: click.Context, name: str) -> None:
    """Delete a collection (its badges stay in the backpack) and revoke its share links."""
    deleted, revoked = badge_collections.delete_collection_and_shares(store_of(ctx), name)
    click.echo(f"deleted collection {deleted.name!r}")
    if revoked:
        links = "its share link" if len(revoked) == 1 else f"its {len(revoked)} share links"
        click.echo(f"revoked {links}: {', '.join(token[:8] + '…' for token in revoked)}")


COMMANDS = [collection_group]
