"""Which member names are accepted, and what each becomes inside the archive's folder.

Accepted: any relative POSIX path (``a:b.csv``, spaces and Unicode included), ``./`` prefixes
(``tar czf x.tar.gz -C folder .`` writes ``./`` and ``./data.csv``) and repeated slashes, which are
dropped as tar and bsdtar drop them. Refused, each by a named rule: absolute paths (``/x`` and a
drive such as ``C:/x``: tar strips a leading ``/``; dorc refuses it, an absolute name is never how
an ordinary archive is made), ``..`` anywhere, backslashes (a Windows separator, ambiguous on
POSIX), NUL and other control characters, names that are not UTF-8 (they cannot become S3 keys),
and names longer than ``max_name_bytes`` or with a component over 255 bytes.
"""

from __future__ import annotations

import re

from .exceptions import Rejection
from .limits import COMPONENT_MAX_BYTES, Limits, exceeded

# The start of the name is echoed in reports; the whole of it may be megabytes.
ECHO_CHARS = 200
DRIVE = re.compile(r"^[A-Za-z]:/")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def echo(raw: str) -> str:
    return repr(raw if len(raw) <= ECHO_CHARS else f"{raw[:ECHO_CHARS]}... ({len(raw)} characters)")


def _unsafe(raw: str, why: str) -> Rejection:
    return Rejection(
        "archive.unsafe_path",
        f"The archive member {echo(raw)} has an unsafe name: {why}.",
        "rename the file with letters, digits, '.', '_', '-' and '/' as separator",
        member=raw[:ECHO_CHARS],
    )


def member_path(raw: str, limits: Limits) -> str:
    """The normalised relative path of a member ('' for the archive's own folder, ``.``).

    Raises a :class:`Rejection` naming the rule broken."""
    if not raw:  # zipfile cuts a name at its first NUL, so '\x00' arrives as ''
        raise _unsafe(raw, "an empty name")
    encoded = raw.encode("utf-8", "surrogateescape")
    if len(encoded) > limits.max_name_bytes:
        raise exceeded(limits, "max_name_bytes", f"The archive member {echo(raw)} has a {len(encoded)}-byte name")
    if raw.startswith("/") or DRIVE.match(raw):
        raise Rejection(
            "archive.absolute_path",
            f"The archive member {echo(raw)} has an absolute path.",
            "create the archive from inside the folder (tar czf x.tar.gz -C folder .)",
            member=raw,
        )
    if "\\" in raw:
        raise _unsafe(raw, "a backslash")
    if CONTROL.search(raw):
        raise _unsafe(raw, "a control character")
    try:
        encoded.decode("utf-8")
    except UnicodeDecodeError:
        raise _unsafe(raw, "not UTF-8") from None
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise Rejection(
            "archive.parent_path",
            f"The archive member {echo(raw)} climbs out with '..'.",
            "create the archive from inside the folder (tar czf x.tar.gz -C folder .)",
            member=raw,
        )
    for part in parts:
        if len(part.encode("utf-8")) > COMPONENT_MAX_BYTES:
            raise Rejection(
                "archive.name_too_long",
                f"The archive member {echo(raw)} has a path component over {COMPONENT_MAX_BYTES} bytes.",
                "shorten the file or folder name",
                member=raw[:ECHO_CHARS],
            )
    return "/".join(parts)
