"""Local-runner projects (the same builder as tests/runtime/local) for run records and resume."""

from tests.runtime.local.conftest import ProjectBuilder, project  # noqa: F401 - the fixture, reused
