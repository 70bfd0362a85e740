"""Invoke tasks: local (being built)."""

TASKS: list = []
