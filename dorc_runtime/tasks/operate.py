"""Invoke tasks: operate (being built)."""

TASKS: list = []
