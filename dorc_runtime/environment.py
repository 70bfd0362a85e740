"""Which environment a command or Pulumi program is for: one resolution rule for all of dorc."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from .errors import ProjectError
from .models.config import Config
from .naming import ENV_ENVIRONMENT


def current_environment(explicit: str | None = None) -> str | None:
    """explicit argument > ``DORC_ENVIRONMENT`` > the Pulumi stack's ``environment`` config."""
    if explicit:
        return explicit
    if os.environ.get(ENV_ENVIRONMENT):
        return os.environ[ENV_ENVIRONMENT]
    if "pulumi" in sys.modules:  # only inside a Pulumi program; never import Pulumi for this
        import pulumi

        try:
            return pulumi.Config().get("environment")
        except Exception:  # not inside a running Pulumi program
            return None
    return None


def select(environments: Mapping[str, Config], explicit: str | None = None) -> Config:
    """Pick the :class:`Config` of the current environment from a project's settings."""
    env = current_environment(explicit)
    if env is None:
        raise ProjectError(
            "No environment chosen.",
            f"pass --env with one of {sorted(environments)} (or set {ENV_ENVIRONMENT})",
        )
    if env not in environments:
        raise ProjectError(
            f"Unknown environment {env!r}.",
            f"use one of {sorted(environments)}, or add it to ENVIRONMENTS in project_settings.py "
            "with a Pulumi.<env>.yaml (invoke new-environment is not needed: see the README)",
        )
    return environments[env].with_environment(env)
