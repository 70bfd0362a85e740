"""Each pipeline runs in an environment built from exactly what its Lambda package holds: the
project's and the pipeline's requirements, boto3 as Lambda's Python runtime provides
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html), nothing of dorc's tooling.

The tests that install a package from PyPI (``idna``, small and pure Python, and not one of
boto3's own dependencies, which Lambda's runtime has too) are marked slow; uv caches it after the
first time.
"""

from __future__ import annotations

import json

import pytest
from invoke import Context
from invoke.exceptions import Exit

from dorc_runtime.local.sandbox import environments, pythons
from dorc_runtime.tasks.local import local_envs, run

USES_IDNA = """
import idna

def handler(event, context):
    return {"idna": idna.encode("b\u00fccher.example").decode()}
"""


def idna_project(project):
    uses = project.pipeline("raw", "uses", 'Function(name="needs")', {"needs": USES_IDNA})
    (uses / "requirements.txt").write_text("idna\n")
    project.pipeline("raw", "other", 'Function(name="needs")', {"needs": USES_IDNA})
    return project


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_package_of_another_pipeline_fails_with_the_file_to_edit_and_works_once_listed(project, capsys):
    idna_project(project)

    run(Context(), "uses", layer="raw")
    assert '"idna": "xn--bcher-kva.example"' in capsys.readouterr().out

    report = project.root / "report.json"
    with pytest.raises(Exit) as raised:
        run(Context(), "other", layer="raw", output=str(report))
    message = str(raised.value.message)
    assert json.loads(json.loads(report.read_text())["cause"]) == {  # Lambda's document, nothing of dorc's
        "errorMessage": "Unable to import module 'lambda': No module named 'idna'",
        "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}
    assert "FAILED at state 'needs': Runtime.ImportModuleError: Unable to import module 'lambda': " \
           "No module named 'idna'" in message
    assert message.endswith("Fix: No module named 'idna' \u2014 add it to src/raw/other/requirements.txt "
                            "(or to the project's requirements.txt if every pipeline needs it)")

    (project.root / "src" / "raw" / "other" / "requirements.txt").write_text("idna\n")
    run(Context(), "other", layer="raw")
    assert '"idna": "xn--bcher-kva.example"' in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_environments_are_reused_rebuilt_listed_and_cleared(project, capsys, tmp_path, monkeypatch):
    # the Python choice is remembered per folder: reuse the suite's instead of asking uv again
    shared = environments.envs_dir(project.root) / pythons.CHOICES_FILE
    monkeypatch.setenv(environments.ENVS_VARIABLE, str(tmp_path / "envs"))
    (tmp_path / "envs").mkdir()
    if shared.exists():
        (tmp_path / "envs" / pythons.CHOICES_FILE).write_text(shared.read_text())
    uses = idna_project(project).root / "src" / "raw" / "uses"
    messages: list[str] = []
    request = environments.EnvironmentRequest.for_pipeline(project.root, uses, "raw/uses", "3.12")
    first_key = request.key

    built = environments.ensure(request, messages.append)
    assert any(m.startswith("Building the environment for raw/uses: Python ") and
               "src/raw/uses/requirements.txt, and boto3 as Lambda provides" in m for m in messages)
    assert built.metadata["requirements"] == ["src/raw/uses/requirements.txt"]

    messages.clear()
    again = environments.ensure(request, messages.append)
    assert (again.root, again.metadata, messages) == (built.root, built.metadata, [])

    (uses / "requirements.txt").write_text("idna\nsix\n")
    changed = environments.EnvironmentRequest.for_pipeline(project.root, uses, "raw/uses", "3.12")
    assert changed.key != first_key
    assert environments.ensure(changed, messages.append).root != built.root

    capsys.readouterr()
    local_envs(Context())
    listing = capsys.readouterr().out
    assert "raw/uses" in listing and first_key in listing and changed.key in listing

    local_envs(Context(), clear=True)
    assert "removed 2 environments" in capsys.readouterr().out
    assert environments.existing(project.root) == []


def test_the_key_covers_the_files_the_python_version_and_the_lambda_packages(tmp_path):
    (tmp_path / "requirements.txt").write_text("idna==3.10\n")
    pipeline = tmp_path / "src" / "raw" / "p"
    pipeline.mkdir(parents=True)
    base = environments.EnvironmentRequest.for_pipeline(tmp_path, pipeline, "raw/p", "3.12")
    assert base.requirement_files == (tmp_path / "requirements.txt",)
    assert base.packages == ("boto3",)
    assert environments.EnvironmentRequest.for_pipeline(tmp_path, pipeline, "raw/p", "3.13").key != base.key
    (pipeline / "requirements.txt").write_text("")
    with_pipeline = environments.EnvironmentRequest.for_pipeline(tmp_path, pipeline, "raw/p", "3.12")
    assert with_pipeline.relative_files() == ["requirements.txt", "src/raw/p/requirements.txt"]
    assert with_pipeline.key != base.key
    (tmp_path / "requirements-test.txt").write_text("pytest\n")
    tests = environments.EnvironmentRequest.for_pipeline(tmp_path, pipeline, "raw/p", "3.12", tests=True)
    assert tests.relative_files()[-1] == "requirements-test.txt" and tests.label == "raw/p (tests)"


def test_a_missing_python_is_replaced_by_the_nearest_with_one_notice(tmp_path, monkeypatch):
    asked: list[str] = []

    def find(request, *, managed_only=False):
        asked.append(request)
        return pythons.PythonChoice(request, "3.11.7", "/usr/bin/python3.11") if request == "3.11" else None

    monkeypatch.setattr(pythons, "_find", find)
    monkeypatch.setattr(pythons, "_install", lambda request: False)  # offline: uv cannot download it
    notices: list[str] = []

    choice = pythons.choose(tmp_path, "3.12", notices.append)
    assert (choice.version, choice.path) == ("3.11.7", "/usr/bin/python3.11")
    assert asked == ["3.12", "3.12", "3.13", "3.11"]
    [notice] = notices
    assert notice.startswith("Lambda runs Python 3.12 for this project, but uv could not provide it here")
    assert "local runs use Python 3.11 (/usr/bin/python3.11)" in notice

    monkeypatch.setattr(pythons.os.path, "exists", lambda path: True)
    assert pythons.choose(tmp_path, "3.12", notices.append) == choice
    assert len(notices) == 1  # remembered: shown once
    assert json.loads((tmp_path / pythons.CHOICES_FILE).read_text())["3.12"]["version"] == "3.11.7"


def test_nearest_versions_prefer_the_closest_and_newer():
    assert pythons.nearest_versions("3.12")[:4] == ["3.13", "3.11", "3.14", "3.10"]
