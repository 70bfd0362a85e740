"""How the Invoke process that runs dorc's tasks treats its interpreter: two process-wide choices,
made once when the collection loads (every task is a short-lived command, ``invoke run`` above all).
"""

from __future__ import annotations

import atexit
import gc
import sys


def prepare_process() -> None:
    """Compile dorc's modules once, and spend nothing collecting garbage on the way out.

    * Invoke turns off writing ``.pyc`` files for its whole process unless ``--write-pyc`` is given
      (to keep ``tasks.pyc`` out of the user's folder), so every dorc module a task imports would be
      compiled from source again on every command (~0.1 s of CPU for ``invoke run``). dorc's runtime
      is a library like any other: the interpreter's own setting (``-B``,
      ``PYTHONDONTWRITEBYTECODE``) decides again.
    * At exit the interpreter tears its modules down and collects garbage over every object still
      alive (Invoke's, pydantic's, the run's: ~0.1 s of CPU for ``invoke run``) just before the
      operating system frees the whole process anyway. Freezing them when the exit starts
      (https://docs.python.org/3/library/gc.html#gc.freeze) skips that walk; while a task runs,
      garbage is collected as usual.
    """
    sys.dont_write_bytecode = bool(sys.flags.dont_write_bytecode)
    atexit.register(gc.freeze)
