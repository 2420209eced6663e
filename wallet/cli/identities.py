"""Identities (whom your badges are issued to) and the backpack's settings (``wallet.settings``)."""

from __future__ import annotations

import json
from typing import Any

import click

from ..identities import normalize_identity
from ..settings import SETTING_KEYS, Settings, load_settings, set_setting
from ._common import store_of

__all__ = ["COMMANDS"]


@click.group("identity")
def identity_group() -> None:
    """Your identities (emails, URLs, telephone numbers, DIDs), used to check badges were issued to you."""


@identity_group.command("add")
@click.argument("value")
@click.pass_context
def identity_add(ctx: click.Context, value: str) -> None:
    """Add an identity."""
    kind, normalized = normalize_identity(value)
    _row, created = store_of(ctx).add_identity(kind, normalized)
    click.echo(f"{'added' if created else 'already known'}: {normalized} ({kind})")


@identity_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def identity_list(ctx: click.Context, as_json: bool) -> None:
    """List your identities."""
    rows = store_of(ctx).list_identities()
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif not rows:
        click.echo("No identities yet. Add one with: backpack identity add you@example.com")
    for row in rows if not as_json else []:
        click.echo(f"{row['kind']:<10} {row['value']}")


@identity_group.command("remove")
@click.argument("value")
@click.pass_context
def identity_remove(ctx: click.Context, value: str) -> None:
    """Remove an identity."""
    _kind, normalized = normalize_identity(value)
    store_of(ctx).remove_identity(normalized)
    click.echo(f"removed: {normalized}")


@click.group("settings")
def settings_group() -> None:
    """Your backpack's settings: offline, private network, public URL, display name, share host."""


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if value else "(not set)"


def _notes(settings: Settings) -> dict[str, str]:
    """What the environment changes, by setting."""
    notes = {}
    if settings.environment.allow_private_network:
        notes["allow-private-network"] = "BACKPACK_ALLOW_PRIVATE_NETWORK is set: private addresses are allowed"
    if settings.environment.public_url:
        notes["public-url"] = f"BACKPACK_PUBLIC_URL overrides it: share links use {settings.base_url}"
    elif not settings.public_url:
        notes["public-url"] = f"share links use {settings.base_url}"
    return notes


@settings_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def settings_show(ctx: click.Context, as_json: bool) -> None:
    """Show every setting (and what the environment overrides)."""
    settings = load_settings(store_of(ctx))
    values = {key: getattr(settings, name) for key, name in SETTING_KEYS.items()}
    notes = _notes(settings)
    if as_json:
        effective = {"allow-private-network": settings.private_network_allowed, "public-url": settings.base_url}
        click.echo(json.dumps({**values, "effective": effective}, indent=2, ensure_ascii=False))
        return
    for key, value in values.items():
        note = f"  ({notes[key]})" if key in notes else ""
        click.echo(f"{key:<22} {_shown(value)}{note}")


@settings_group.command("set")
@click.argument("key", type=click.Choice(list(SETTING_KEYS)))
@click.argument("value")
@click.pass_context
def settings_set(ctx: click.Context, key: str, value: str) -> None:
    """Set one setting: true/false for offline and allow-private-network; an http(s) URL for public-url and
    publish-host ("" resets them); any text for display-name."""
    settings = set_setting(store_of(ctx), key, value)
    click.echo(f"{key} = {_shown(getattr(settings, SETTING_KEYS[key]))}")


COMMANDS = [identity_group, settings_group]
