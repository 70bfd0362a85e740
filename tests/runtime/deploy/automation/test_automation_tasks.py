"""The invoke tasks on this machine, for real: no Pulumi CLI, no Docker engine, no AWS credentials.

They must fail with one clear message and change nothing. The happy paths need all three and are
covered over the fake runner in test_automation_commands.py.
"""

import shutil
import subprocess

import pytest
from invoke import MockContext
from invoke.exceptions import Exit

from dorc_runtime.tasks import deploy as deploy_tasks

pytestmark = pytest.mark.skipif(shutil.which("pulumi") is not None, reason="this machine has the Pulumi CLI")


@pytest.fixture
def in_project(project, monkeypatch, no_aws_credentials):
    for name in ("PULUMI_BACKEND_URL", "INFRA_BUCKET", "AWS_REGION", "DORC_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse battery staple")
    monkeypatch.chdir(project.root)
    return project


def snapshot(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if "__pycache__" not in p.parts)


def test_deploy_without_tools_fails_once_clearly_and_changes_nothing(in_project):
    before = snapshot(in_project.root)
    with pytest.raises(Exit) as error:
        deploy_tasks.deploy(MockContext(), env="prod", yes=True)
    message = str(error.value.message)
    assert error.value.code == 1
    assert message.startswith("Error: ") and "Traceback" not in message
    assert "The Pulumi CLI is not installed" in message and "get.pulumi.com" in message
    assert "No AWS credentials found" in message
    engine_down = shutil.which("docker") and subprocess.run(["docker", "info"], capture_output=True).returncode != 0
    if engine_down:  # with an engine at DOCKER_HOST (CI's docker tests) Docker is no problem
        assert "docker info" in message
    assert "nothing was changed" in message
    assert snapshot(in_project.root) == before


def test_preview_of_a_zip_only_pipeline_does_not_need_docker(in_project):
    main = in_project.root / "src/raw/census/__main__.py"
    main.write_text(main.read_text().replace('package_type="image"', 'package_type="zip"'))
    with pytest.raises(Exit) as error:
        deploy_tasks.preview(MockContext(), env="preprod", pipeline="census")
    assert "Docker" not in str(error.value.message)
    assert "Pulumi CLI" in str(error.value.message)


def test_outputs_of_a_file_backend_needs_only_the_cli(in_project):
    with pytest.raises(Exit) as error:
        deploy_tasks.outputs(MockContext(), env="prod", json=True)
    message = str(error.value.message)
    assert "The Pulumi CLI is not installed" in message and "credentials" not in message


def test_missing_passphrase_is_refused(in_project, monkeypatch):
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    with pytest.raises(Exit, match="PULUMI_CONFIG_PASSPHRASE is not set"):
        deploy_tasks.destroy(MockContext(), env="prod", pipeline="census", yes=True)


def test_prod_from_a_dirty_git_tree_is_refused_before_anything_else(in_project):
    root = in_project.root
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "."], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=root, check=True)
    (root / "src/raw/census/src/fetch/lambda.py").write_text("def handler(event, context):\n    return 1\n")
    with pytest.raises(Exit) as error:
        deploy_tasks.deploy(MockContext(), env="prod", yes=True)
    assert "uncommitted changes (src/raw/census/src/fetch/lambda.py)" in str(error.value.message)


def test_unknown_stack_kind_for_outputs(in_project):
    with pytest.raises(Exit, match="--stack 'lambda' is not a stack kind"):
        deploy_tasks.outputs(MockContext(), env="prod", stack="lambda")


def test_tasks_are_exported_with_help():
    assert [t.name for t in deploy_tasks.TASKS] == ["build", "preview", "deploy", "destroy", "outputs"]
    for t in deploy_tasks.TASKS:
        assert t.help and t.__doc__


def test_destroy_of_a_removed_pipeline_and_force_reach_preflight_and_change_nothing(in_project):
    """The task accepts a pipeline whose folder is gone (with --layer) and --force; here it stops at
    the missing tools, before anything is emptied or destroyed."""
    shutil.rmtree(in_project.root / "src/raw/weather")
    before = snapshot(in_project.root)
    with pytest.raises(Exit) as error:
        deploy_tasks.destroy(MockContext(), env="prod", pipeline="weather", layer="raw", yes=True, force=True)
    message = str(error.value.message)
    assert "The Pulumi CLI is not installed" in message and "There is no pipeline" not in message
    with pytest.raises(Exit) as error:
        deploy_tasks.destroy(MockContext(), env="prod", pipeline="weather", yes=True)
    assert "--pipeline weather --layer <layer>" in str(error.value.message)
    assert snapshot(in_project.root) == before


@pytest.mark.parametrize("value", ["0", "four", "-2"])
def test_parallel_that_is_not_a_positive_number_is_one_clear_line(in_project, value):
    with pytest.raises(Exit) as error:
        deploy_tasks.deploy(MockContext(), env="prod", yes=True, parallel=value)
    message = str(error.value.message)
    assert message.startswith(f"Error: --parallel {value!r} is not a number of stacks.")
    assert "--parallel 4" in message and "Traceback" not in message


def test_deploy_and_destroy_take_the_scale_flags():
    assert {"all", "changed", "parallel"} <= set(deploy_tasks.deploy.help)
    assert "parallel" in deploy_tasks.destroy.help
