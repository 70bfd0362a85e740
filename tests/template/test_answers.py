"""Every rejected answer stops the bake with one clear line and writes nothing; git URLs work."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]

REJECTED = {
    "slug upper case": ({"project_slug": "Pipeline-Config"}, "project_slug: The project slug"),
    "slug too long": ({"project_slug": "a" * 31}, "at most 30 characters"),
    "slug from a name with symbols": ({"project_name": "My Project!"}, "project_slug"),
    "empty name": ({"project_name": "  ", "project_slug": "x"}, "project_name: The project name is empty"),
    "region": ({"aws_region": "London"}, "aws_region: The AWS region 'London' is not a region code"),
    "account": ({"aws_account_id": "12345"}, "aws_account_id: The AWS account id '12345' is not 12 digits"),
    "environment upper case": ({"environments": "Prod"}, "environments: The environment name 'Prod'"),
    "environment too long": ({"environments": "production1"}, "at most 10 characters"),
    "environment twice": ({"environments": "prod,prod"}, "environments: The environment 'prod' is listed twice"),
    "no environment": ({"environments": " , "}, "environments: No environment given"),
    "layer with space": ({"layers": "raw data"}, "layers: The layer name 'raw data' contains white space"),
    "layer keyword": ({"layers": "raw,class"}, "layers: The layer name 'class' is a Python keyword"),
    "layer path": ({"layers": "../raw"}, "layers: The layer name '../raw' contains a path separator"),
    "layer too long": ({"layers": "a" * 33}, "AWS names built from it allow at most 32"),
    "layer twice": ({"layers": "raw,raw"}, "layers: The layer 'raw' is listed twice"),
    # S3 reserves these bucket-name prefixes and every bucket name starts with the slug:
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    "slug with S3's sthree- prefix": ({"project_slug": "sthree-data"}, "starts with 'sthree-', a prefix S3 reserves"),
    "slug with S3's demo prefix": ({"project_slug": "amzn-s3-demo-data"}, "starts with 'amzn-s3-demo-'"),
    "slug with a trailing newline": ({"project_slug": "pipeline-config\n"}, "The project slug 'pipeline-config\\n'"),
    "account in Arabic-Indic digits": ({"aws_account_id": "١٢٣٤٥٦٧٨٩٠١٢"}, "aws_account_id: The AWS account id"),
    "region with a non-ASCII digit": ({"aws_region": "eu-west-٢"}, "aws_region: The AWS region"),
    "description on two lines": ({"description": "one\ntwo"}, "description: The answer has a line break"),
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_rejected_answer_writes_nothing(bake_to, tmp_path: Path, capfd: pytest.CaptureFixture[str], case: str) -> None:
    answers, message = REJECTED[case]
    out = tmp_path / "out"
    with pytest.raises(FailedHookException):
        bake_to(out, **answers)
    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and message in lines[0] and "Fix: " in lines[0], err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("answer,value", [("python_version", "2.7"), ("include_example", "maybe")])
def test_choice_outside_the_offer_is_refused(bake_to, tmp_path: Path, answer: str, value: str) -> None:
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=answer):
        bake_to(out, **{answer: value})
    assert not out.exists() or list(out.iterdir()) == []


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def test_bake_from_a_git_url(bake_to, tmp_path: Path) -> None:
    repo = tmp_path / "dorc"
    repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("cookiecutter.json",):
        shutil.copy2(REPO_ROOT / name, repo / name)
    for name in ("hooks", "dorc_runtime", "{{cookiecutter.project_slug}}"):
        shutil.copytree(REPO_ROOT / name, repo / name, ignore=ignore)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "template")
    commit = _git(repo, "rev-parse", "HEAD")

    project = bake_to(tmp_path / "work" / "out", template=f"file://{repo}", include_example="no")

    record = json.loads((project / ".dorc-template.json").read_text())
    assert record["template"] == f"file://{repo}"
    assert record["commit"] == commit
    assert (project / "dorc_runtime" / "names.py").read_bytes() == (REPO_ROOT / "dorc_runtime/names.py").read_bytes()
    assert sorted(p.name for p in (project / "src").iterdir()) == ["processed", "raw"]


@pytest.mark.parametrize("shell_pwd", [True, False], ids=["with PWD", "without PWD"])
def test_bake_from_a_relative_path_as_the_cli_takes_it(tmp_path: Path, shell_pwd: bool) -> None:
    """`cookiecutter ../dorc` from a shell: cookiecutter hands the path to the hooks as typed."""
    import os
    import sys

    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PWD"}
    if shell_pwd:
        env["PWD"] = str(work)
    template = os.path.relpath(REPO_ROOT, work)
    cli = Path(sys.executable).with_name("cookiecutter")
    done = subprocess.run(
        [str(cli), template, "--no-input", "-o", "out", "include_example=no"],
        cwd=work, env=env, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    project = work / "out" / "pipeline-config"
    assert (project / "dorc_runtime" / "names.py").read_bytes() == (REPO_ROOT / "dorc_runtime/names.py").read_bytes()


def test_description_with_an_emoji_and_quotes_makes_a_valid_pyproject(bake) -> None:
    import tomllib

    description = 'Census "2021" \\ data 📊 — naïve'
    project = bake(description=description, include_example="no")
    assert tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]["description"] == description


def test_toml_string_escapes_what_toml_requires() -> None:
    import sys
    import tomllib

    sys.path.insert(0, str(REPO_ROOT))
    try:
        from hooks.jinja_filters import toml_string
    finally:
        sys.path.remove(str(REPO_ROOT))
    assert toml_string('a "b" \\ 📊\x7f\t') == '"a \\"b\\" \\\\ 📊\\u007F\\t"'
    for text in ("📊", 'q"uote', "back\\slash", "\x00\x1f\x7f", "tab\there"):
        assert tomllib.loads(f"v = {toml_string(text)}")["v"] == text
