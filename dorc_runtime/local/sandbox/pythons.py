"""Which interpreter a function's environment is built on: the project's Lambda Python version
when uv can provide it, else the closest one uv finds, with a notice naming both.

Asking uv can take seconds (it inspects every interpreter on the PATH; a download attempt waits on
DNS when offline), so the answer is remembered per requested version in ``pythons.json`` beside
the environments and the notice is shown once, when the choice is made.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from .uv_tool import uv_command, uv_environment

CHOICES_FILE = "pythons.json"
FIND_TIMEOUT = 60
INSTALL_TIMEOUT = 120
Notify = Callable[[str], None]


@dataclass(frozen=True)
class PythonChoice:
    requested: str  # the project's Lambda version, e.g. "3.12"
    version: str  # what the interpreter is, e.g. "3.11.7"
    path: str
    notice: str | None = None  # set when version is not the requested one

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])


def _find(request: str, *, managed_only: bool = False) -> PythonChoice | None:
    command = uv_command("python", "find", "--system", "--no-python-downloads", request)
    if managed_only:
        command[2:2] = ["--python-preference", "only-managed"]
    try:
        found = subprocess.run(command, capture_output=True, text=True, timeout=FIND_TIMEOUT,
                               env=uv_environment(), check=False)
    except subprocess.TimeoutExpired:
        return None
    path = found.stdout.strip().splitlines()[-1] if found.returncode == 0 and found.stdout.strip() else ""
    if not path:
        return None
    probe = subprocess.run([path, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                           capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return None
    return PythonChoice(request, probe.stdout.strip(), path)


def _install(request: str) -> bool:
    """Ask uv to download the version (from GitHub: fails fast when offline or blocked)."""
    try:
        done = subprocess.run(uv_command("python", "install", request), capture_output=True, text=True,
                              timeout=INSTALL_TIMEOUT, env=uv_environment(), check=False)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def nearest_versions(requested: str) -> list[str]:
    """Other minor versions, nearest first (newer before older at the same distance)."""
    major, minor = (int(part) for part in requested.split(".")[:2])
    out: list[str] = []
    for distance in range(1, 5):
        out += [f"{major}.{minor + distance}"] + ([f"{major}.{minor - distance}"] if minor - distance >= 9 else [])
    return out


def resolve(requested: str) -> PythonChoice:
    """Ask uv, in order: an interpreter it manages, any interpreter it finds, a download, then the
    nearest other version (and, as a last resort, the interpreter running dorc)."""
    for attempt in (lambda: _find(requested, managed_only=True), lambda: _find(requested)):
        choice = attempt()
        if choice is not None:
            return choice
    if _install(requested):
        choice = _find(requested, managed_only=True)
        if choice is not None:
            return choice
    fallback = next((c for c in map(_find, nearest_versions(requested)) if c is not None), None)
    if fallback is None:
        version = ".".join(map(str, sys.version_info[:3]))
        fallback = PythonChoice(requested, version, sys.executable)
    notice = (f"Lambda runs Python {requested} for this project, but uv could not provide it here "
              f"(none installed, and downloading it failed), so local runs use Python {fallback.minor} "
              f"({fallback.path}). Install Python {requested} (e.g. 'uv python install {requested}') and "
              f"run 'invoke local-envs --clear' to use it.")
    return PythonChoice(requested, fallback.version, fallback.path, notice)


def choose(envs_dir: Path, requested: str, notify: Notify) -> PythonChoice:
    """The remembered choice for ``requested`` if its interpreter still exists, else a new one
    (remembered, and its notice shown now)."""
    path = envs_dir / CHOICES_FILE
    try:
        remembered = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        remembered = {}
    known = remembered.get(requested)
    if isinstance(known, dict) and os.path.exists(known.get("path", "")):
        return PythonChoice(**known)
    choice = resolve(requested)
    if choice.notice:
        notify(choice.notice)
    remembered[requested] = asdict(choice)
    envs_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(remembered, indent=2) + "\n", encoding="utf-8")
    return choice
