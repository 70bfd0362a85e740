"""Invoke tasks: scaffold (being built)."""

TASKS: list = []
