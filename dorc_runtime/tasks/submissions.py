"""Invoke tasks: submissions (being built)."""

TASKS: list = []
