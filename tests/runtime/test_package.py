"""The dorc_runtime package's names: all there, imported on first use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import dorc_runtime
from dorc_runtime import models


def test_every_name_in_all_is_importable():
    namespace: dict[str, object] = {}
    exec("from dorc_runtime import *", namespace)  # noqa: S102
    assert set(dorc_runtime.__all__) <= set(namespace)
    assert set(dorc_runtime.__all__) <= set(dir(dorc_runtime))


def test_the_models_are_the_models():
    from dorc_runtime import Function, PipelineDefinition, UniversalConfig

    assert (Function, PipelineDefinition, UniversalConfig) == (
        models.Function, models.PipelineDefinition, models.UniversalConfig)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        dorc_runtime.Nope  # noqa: B018
    with pytest.raises(ImportError):
        exec("from dorc_runtime import Nope", {})  # noqa: S102


def test_the_package_and_the_tasks_import_without_pydantic_moto_or_boto3():
    """So that ``invoke run`` can start the embedded AWS before they load (docs/local-runs.md)."""
    code = ("import sys, dorc_runtime, dorc_runtime.tasks, dorc_runtime.local.embedded_aws\n"
            "print(sorted(m for m in ('pydantic', 'moto', 'boto3', 'pulumi') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(dorc_runtime.__file__).parents[1])
    assert done.stdout.strip() == "[]"
