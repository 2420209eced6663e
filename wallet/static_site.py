"""Publishing without a host: a collection as a self-contained static site (a folder, or a ``.zip`` of one).

For any static web host (GitHub Pages, a university web space, an S3 bucket). The folder holds:

* ``index.html`` — the share page's layout and words (the web view's ``share/_badge.html`` and ``style.css``), with
  no script, the earner's identities left out (``wallet.shares.public_badge``), every issuer-supplied text escaped;
  each badge says when it was last verified (when the site was written: the badges are verified first) and offers
  a "check it now" link to a verify page (see below);
* ``bundle.jsonld`` — the holder-signed portfolio (``wallet.bundle.build_bundle``), verifiable offline by
  ``backpack verify`` or any VC verifier;
* ``images/`` — the badges' pictures, re-encoded as PNG: the baked payload (and any other metadata) stays out, and
  a baked SVG, whose scripts a static host cannot sandbox, is replaced by a generated picture;
* ``qr.svg`` — a QR code of the page, when its final address is given (``page_url``);
* ``style.css``, ``favicon.svg``, and ``.backpack-static-site.json``, the marker that lets a later run replace
  what this function wrote (and only that) — static hosts such as GitHub Pages do not serve dot-files.

**The "check it now" link.** ``check_url`` is a verify page: a share host's ``/verify``, a ``backpack serve``
``/verify``, or any verifier the holder trusts. With ``page_url`` known the link is
``<check_url>?url=<page_url>/bundle.jsonld`` (``&url=`` when ``check_url`` has a query already; a ``check_url``
holding ``{url}`` gets the encoded bundle address put there instead, for verifiers that name the parameter
differently). The backpack's verify page answers such a link by fetching the bundle and verifying it live. Without
``page_url`` the bundle's address is unknown, so the link opens the verify page and the page asks the visitor to
upload the downloaded ``bundle.jsonld`` there. Without ``check_url`` there is no link, only the download.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import jinja2
import segno
from PIL import Image, UnidentifiedImageError

from verifier import FetchPolicy
from verifier.extraction import parse_json

from .badge_collections import get_collection
from .bundle import build_bundle
from .errors import NotFound, WalletError
from .exporting import render_badge_png
from .shares import PublicBadge, public_badge
from .status_words import words_for
from .store import BadgeRecord, Store, atomic_write, now_iso

__all__ = ["MARKER", "StaticSiteError", "check_link", "write_static_portfolio"]

MARKER = ".backpack-static-site.json"
"""The file that marks a folder (or an archive) as written by :func:`write_static_portfolio`."""
_GENERATOR = "openbadges-backpack static site"
_IMAGE_SIDE = 512  # pixels: the page shows 96, a phone's screen three times that
_MAX_SOURCE_PIXELS = 40_000_000  # a decompression bomb is not a badge picture
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # not the locale's


class StaticSiteError(WalletError):
    code = "static_site_invalid"


# -- addresses ------------------------------------------------------------------------------------------------------


def _http_url(value: str, what: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise StaticSiteError(f"the {what} must be an http(s) address, not {value!r}")
    return value


def _folder_url(page_url: str) -> str:
    """The page's folder address, ending in ``/``: ``…/portfolio`` and ``…/portfolio/index.html`` name the same."""
    parts = urlsplit(page_url)
    path = parts.path
    if not path.endswith("/"):
        last = path.rsplit("/", 1)[-1]
        path = path[: -len(last)] if last.lower().endswith((".html", ".htm")) else path + "/"
    return parts._replace(path=path or "/", query="", fragment="").geturl()


def check_link(check_url: str, bundle_url: str | None) -> str:
    """The "check it now" address: ``check_url`` asked to verify ``bundle_url`` (``{url}`` in ``check_url`` is
    replaced by it, else a ``url`` query parameter is added), or ``check_url`` alone when the bundle's address is not
    known."""
    if bundle_url is None:
        return check_url.replace("{url}", "")
    if "{url}" in check_url:
        return check_url.replace("{url}", quote(bundle_url, safe=""))
    separator = "&" if urlsplit(check_url).query else ("" if check_url.endswith("?") else "?")
    return f"{check_url}{separator}{urlencode({'url': bundle_url})}"


# -- what the page shows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BadgeView:
    """What ``share/_badge.html`` reads of a badge (the web view's ``BadgeView`` shape)."""

    badge: PublicBadge
    symbol: str
    word: str
    checked_ago: str
    linkedin_url: str
    checked_at: str | None
    image_file: str | None


def _checked_words(checked_at: str | None) -> str:
    # A static page is read long after it was written: an absolute time, never "checked 3 minutes ago".
    if not checked_at:
        return "never verified"
    try:
        when = datetime.fromisoformat(checked_at.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return "last verified at an unknown time"
    # "6 Dec 2026, 11:22 UTC": unambiguous everywhere, and it wraps between words on a narrow screen.
    return f"last verified {when.day} {_MONTHS[when.month - 1]} {when.year}, {when:%H:%M} UTC"


def _linkedin(badge: PublicBadge, page_url: str | None) -> str:
    params = {"startTask": "CERTIFICATION_NAME", "name": badge.title}
    if badge.issuer_name:
        params["organizationName"] = badge.issuer_name
    if re.match(r"^\d{4}-\d{2}", badge.issued):
        params["issueYear"], params["issueMonth"] = badge.issued[:4], str(int(badge.issued[5:7]))
    if re.match(r"^\d{4}-\d{2}", badge.expires):
        params["expirationYear"], params["expirationMonth"] = badge.expires[:4], str(int(badge.expires[5:7]))
    if page_url:
        params["certUrl"] = page_url
    params["certId"] = badge.id
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


def _picture(store: Store, record: BadgeRecord, badge: PublicBadge) -> bytes | None:
    """The badge's picture as a clean PNG, or None when the public may not see one (a QR photo, a text import)."""
    if badge.image_type is None:
        return None
    if badge.image_type == "image/svg+xml":
        return render_badge_png(badge.title, badge.issuer_name, seed=record.key, size=_IMAGE_SIDE)
    try:
        data = store.read_blob(record.source.blob)
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > _MAX_SOURCE_PIXELS:
                return None
            image.seek(0)  # an animated GIF or WebP: its first frame
            picture = image.convert("RGBA")
    except (NotFound, OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return None
    picture.thumbnail((_IMAGE_SIDE, _IMAGE_SIDE))
    out = io.BytesIO()
    picture.save(out, "PNG")  # Pillow writes no text chunks unless asked: the baked badge stays behind
    return out.getvalue()


# -- templates ----------------------------------------------------------------------------------------------------


def _webview_folder() -> Path:
    # Found, not imported: importing the web view would load Flask, and the wallet core loads no UI.
    spec = importlib.util.find_spec("webview")
    if spec is None or not spec.submodule_search_locations:
        raise StaticSiteError("the web view's templates are not installed")
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def _environment() -> jinja2.Environment:
    webview = _webview_folder()
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
            jinja2.FileSystemLoader(str(webview / "templates")),
        ]
    )
    environment = jinja2.Environment(loader=loader, autoescape=True)  # as Flask sets it up for the web view
    environment.globals["url_for"] = _url_for
    return environment


def _url_for(endpoint: str, **values: Any) -> str:
    """The web view's routes, as files of the static site (the share templates call ``url_for``)."""
    if endpoint == "share.image":
        return f"images/{values['badge_id']}.png"
    if endpoint == "share.bundle":
        return "bundle.jsonld"
    if endpoint == "share.qr":
        return "qr.svg"
    if endpoint == "static":
        return str(values["filename"])
    raise StaticSiteError(f"the static site has no page for {endpoint!r}")


def _stylesheet() -> bytes:
    shared = (_webview_folder() / "static" / "style.css").read_bytes()
    own = (Path(__file__).parent / "templates" / "static_site" / "static_site.css").read_bytes()
    return shared + b"\n" + own


# -- writing ------------------------------------------------------------------------------------------------------


def _read_marker(output: Path, *, zip_output: bool) -> dict[str, Any] | None:
    try:
        if zip_output:
            with zipfile.ZipFile(output) as archive:
                text = archive.read(MARKER)
        else:
            text = (output / MARKER).read_bytes()
        marker = parse_json(text)  # a file found where the site goes: not necessarily ours
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None
    return marker if isinstance(marker, dict) and marker.get("generator") == _GENERATOR else None


def _check_target(output: Path, *, zip_output: bool) -> list[str]:
    """Refuse to write over what this function did not write. Returns the files a previous run wrote."""
    if zip_output:
        if output.is_dir():
            raise StaticSiteError(f"{output} is a folder: give a file name ending in .zip, or a folder without .zip")
        if not output.parent.is_dir():
            raise StaticSiteError(f"cannot write {output}: the folder {output.parent} does not exist")
        if not output.exists():
            return []
        if _read_marker(output, zip_output=True) is None:
            raise StaticSiteError(f"{output} exists and was not written by `backpack publish --static`: not replaced")
        return []
    if output.exists() and not output.is_dir():
        raise StaticSiteError(f"{output} exists and is not a folder (give a folder, or a file name ending in .zip)")
    if not output.exists() or not any(output.iterdir()):
        return []
    marker = _read_marker(output, zip_output=False)
    if marker is None:
        raise StaticSiteError(
            f"the folder {output} is not empty and was not written by `backpack publish --static`: "
            "give an empty or new folder"
        )
    files = marker.get("files")
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else []


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def _email_identities(store: Store, records: list[BadgeRecord]) -> set[str]:
    emails = {row["value"].lower() for row in store.list_identities() if row.get("kind") == "email"}
    # An unhashed recipient is the earner's address even when it is not among the saved identities.
    emails |= {r.info.recipient.lower() for r in records if r.info.recipient and "@" in r.info.recipient}
    return {e for e in emails if "@" in e}


def _refuse_emails(files: Mapping[str, bytes], emails: set[str]) -> None:
    for name, data in files.items():
        text = data.decode("utf-8", "replace").lower()
        for email in emails:
            if email in text or quote(email, safe="").lower() in text:
                where = "a credential in it carries" if name == "bundle.jsonld" else "it would show"
                raise StaticSiteError(
                    f"{name}: {where} an email address of yours in clear ({email}): the issuer did not hash it, "
                    "so publishing it would reveal it; take that badge out of the collection"
                )


def _site_files(
    store: Store, collection_ref: str, *, check_url: str | None, fetch_policy: FetchPolicy, page_url: str | None
) -> dict[str, bytes]:
    collection = get_collection(store, collection_ref)
    bundle, _problems = build_bundle(store, collection, fetch_policy=fetch_policy)  # verifies the badges first
    included = [entry["badge"] for entry in bundle["portfolio"]["order"]]
    records = [store.get_badge(badge_id) for badge_id in included]
    folder_url = _folder_url(page_url) if page_url else None
    bundle_url = f"{folder_url}bundle.jsonld" if folder_url else None
    files: dict[str, bytes] = {"bundle.jsonld": (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode()}
    views = []
    for record in records:
        badge = public_badge(record)
        picture = _picture(store, record, badge)
        if picture is not None:
            files[f"images/{badge.id}.png"] = picture
        else:
            badge = replace(badge, image_type=None)
        words = words_for(badge.status)
        views.append(
            _BadgeView(
                badge=badge,
                symbol=words.symbol,
                word=words.word,
                checked_ago=_checked_words(badge.checked_at),
                linkedin_url=_linkedin(badge, folder_url),
                checked_at=badge.checked_at,
                image_file=f"images/{badge.id}.png" if picture is not None else None,
            )
        )
    if folder_url:
        svg = io.BytesIO()
        segno.make_qr(folder_url, error="m").save(svg, kind="svg", scale=6, border=2)
        files["qr.svg"] = svg.getvalue()
    written_at = now_iso()
    first_image = next((v.image_file for v in views if v.image_file), None)
    files["index.html"] = (
        _environment()
        .get_template("static_site/index.html")
        .render(
            title=collection.name,
            collection=collection,
            planned=collection.planned,
            views=views,
            token="static",
            embed=False,
            page_url=folder_url,
            og_image=f"{folder_url}{first_image}" if folder_url and first_image else None,
            check_url=check_link(check_url, bundle_url) if check_url else None,
            check_with_upload=bool(check_url) and bundle_url is None,
            written_at=_checked_words(written_at).removeprefix("last verified "),
            display_name=store.get_setting("display_name", "") if store.exists() else "",
        )
        .encode("utf-8")
    )
    files["style.css"] = _stylesheet()
    files["favicon.svg"] = (_webview_folder() / "static" / "favicon.svg").read_bytes()
    _refuse_emails(files, _email_identities(store, records))
    return files


def write_static_portfolio(
    store: Store,
    collection_ref: str,
    output: Path,
    *,
    check_url: str | None,
    fetch_policy: FetchPolicy,
    page_url: str | None = None,
) -> Path:
    """Write the collection ``collection_ref`` (name or id) as a static site in the folder ``output``, or in a zip
    archive when ``output`` ends in ``.zip``; returns ``output``. The badges are verified first.

    ``check_url`` is the verify page the "check it now" links open (see the module's docstring), ``page_url`` the
    address the site will be served at (for the QR code, the link previews and the check links). A folder that is
    not empty is refused unless this function wrote it (then the files it wrote are replaced, others are left
    alone); so is an existing archive it did not write.
    """
    check_url = _http_url(check_url, "verify page address") if check_url else None
    page_url = _http_url(page_url, "page address") if page_url else None
    output = Path(output)
    zip_output = output.suffix.lower() == ".zip"
    previous = _check_target(output, zip_output=zip_output)
    files = _site_files(store, collection_ref, check_url=check_url, fetch_policy=fetch_policy, page_url=page_url)
    marker = {"generator": _GENERATOR, "written_at": now_iso(), "files": sorted(files)}
    files[MARKER] = (json.dumps(marker, indent=2) + "\n").encode()
    if zip_output:
        buffer = io.BytesIO()
        stamp = datetime.now().timetuple()[:6]
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(files):
                archive.writestr(zipfile.ZipInfo(name, date_time=stamp), files[name])
        atomic_write(output, buffer.getvalue(), mode=0o644)
        return output
    for name in sorted(files, key=lambda n: n == MARKER):  # the marker last: it lists what is there
        (output / name).parent.mkdir(parents=True, exist_ok=True)
        atomic_write(output / name, files[name], mode=0o644)
    for name in set(previous) - set(files):
        # A badge taken out of the collection since: its picture goes too. Only files the marker listed.
        if _safe_member(name) and name != MARKER:
            try:
                (output / name).unlink()
            except (FileNotFoundError, IsADirectoryError):
                pass
    return output
