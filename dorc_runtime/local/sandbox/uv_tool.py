"""The ``uv`` binary that the ``uv`` package ships (a dorc_runtime requirement), and the
environment it runs with."""

from __future__ import annotations

import os

from ...errors import MissingToolError

# Variables that would point uv at another project's settings or a virtual environment of its own
_UV_IGNORED = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "CONDA_PREFIX", "PYTHONPATH")


def uv_binary() -> str:
    try:
        import uv
    except ImportError:
        raise MissingToolError("uv is not installed in dorc's environment.",
                               "pip install -r requirements-dev.txt (dorc_runtime/requirements.txt lists uv)") from None
    return uv.find_uv_bin()


def uv_command(*arguments: str) -> list[str]:
    return [uv_binary(), *arguments]


def uv_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _UV_IGNORED}
    env["UV_NO_CONFIG"] = "1"  # a uv.toml or [tool.uv] in the project is about its tooling, not Lambda
    env.setdefault("UV_PYTHON_DOWNLOADS", "manual")  # only when dorc asks for one
    return env
