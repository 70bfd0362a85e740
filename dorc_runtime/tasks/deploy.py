"""Invoke tasks: deploy (being built)."""

TASKS: list = []
