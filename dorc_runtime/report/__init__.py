"""See a run: a self-contained HTML report of a recorded local run or a deployed execution, and
``invoke ui``, a read-only local server of the runs and their reports."""

from .html import render_report
from .view import RunView, build_view

__all__ = ["RunView", "build_view", "render_report"]
