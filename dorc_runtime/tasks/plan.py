"""Invoke tasks: plan (being built)."""

TASKS: list = []
