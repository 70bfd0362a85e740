"""This project's tasks (`invoke --list`). They live in the vendored dorc_runtime, so updating
the runtime updates them."""

from dorc_runtime.tasks import namespace  # noqa: F401
