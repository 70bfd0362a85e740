"""The Invoke process's interpreter settings that dorc's collection makes (tasks/process.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

# Loads the collection as Invoke does, and reports from an exit handler registered before it (exit
# handlers run last-registered first: https://docs.python.org/3/library/atexit.html), i.e. after
# the collection's own ones have run.
PROBE = """
import atexit, gc, sys
atexit.register(lambda: print("at exit:", gc.get_freeze_count() > 0, gc.isenabled()))
sys.dont_write_bytecode = True  # as Invoke leaves it without --write-pyc
import dorc_runtime.tasks
print("loaded:", sys.dont_write_bytecode, gc.get_freeze_count(), gc.isenabled())
"""


def _probe(*flags: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    done = subprocess.run([sys.executable, *flags, "-c", PROBE], cwd=REPO, env=env, capture_output=True,
                          text=True, check=True, timeout=60)
    return done.stdout.splitlines()


def test_bytecode_follows_the_interpreter_and_only_the_exit_freezes_the_heap():
    # while tasks run nothing is frozen and the collector works; at exit every object is frozen
    assert _probe() == ["loaded: False 0 True", "at exit: True True"]


def test_an_interpreter_told_not_to_write_bytecode_still_writes_none():
    assert _probe("-B") == ["loaded: True 0 True", "at exit: True True"]
