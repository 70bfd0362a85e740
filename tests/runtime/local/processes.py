"""Find the embedded AWS's server processes from /proc (Linux), to prove none outlives a run."""

from __future__ import annotations

import os
import time
from pathlib import Path

from dorc_runtime.local.embedded_aws import SERVER_SCRIPT


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid), or None if there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()  # the command name may contain spaces
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"  # a zombie has ended; only its exit status is left


def descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat[1]
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def is_server(pid: int) -> bool:
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (FileNotFoundError, ProcessLookupError):
        return False
    return str(SERVER_SCRIPT).encode() in arguments


def servers_under(pid: int | None = None) -> set[int]:
    """Running embedded AWSes started by ``pid`` (default: this process) or its children: the
    process that serves (the fork server's child, which saves the holding store), or the fork server
    itself until it has forked one or after that has ended."""
    found = {p for p in descendants(pid or os.getpid()) if is_server(p) and alive(p)}
    parents = {stat[1] for p in found if (stat := _stat(p)) is not None}
    return found - parents


def wait_until_ended(pids: set[int], limit_seconds: float = 60) -> set[int]:
    """Wait (at most ``limit_seconds``, a bound and not a measurement) for ``pids`` to end;
    return those still running."""
    deadline = time.monotonic() + limit_seconds
    while (running := {p for p in pids if alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.05)
    return running
