"""The prod guard against uncommitted work, with a real git repository."""

import subprocess

import pytest

from dorc_runtime.deploy.automation.guards import git_status, only_encryption_salt_added, refuse_dirty
from dorc_runtime.errors import DeployError

STACK = 'config:\n  "aws:region": "eu-west-2"\n  "acme-infra:environment": "prod"\n'
SALT = "encryptionsalt: v1:RMJFAiu8yyU=:v1:NhDBdi+YYKnnhx0q:l+mhKNIyREq47JDpMo96YF7064Nx8w==\n"


def git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "acme"
    (root / "infra").mkdir(parents=True)
    (root / "infra/Pulumi.prod.yaml").write_text(STACK)
    (root / "infra/__main__.py").write_text("")
    git(root, "init", "-q")
    git(root, "-c", "user.email=a@b.c", "-c", "user.name=a", "add", ".")
    git(root, "-c", "user.email=a@b.c", "-c", "user.name=a", "commit", "-qm", "init")
    return root


def test_the_passphrase_providers_salt_line_is_not_uncommitted_work(repo):
    """Creating a stack with the passphrase secrets provider adds `encryptionsalt:` to the tracked
    Pulumi.<stack>.yaml (https://www.pulumi.com/docs/iac/concepts/secrets/#passphrase)."""
    (repo / "infra/Pulumi.prod.yaml").write_text(SALT + STACK)
    assert git_status(repo) == []
    refuse_dirty("prod", git_status(repo), allow_dirty=False)  # no refusal
    git(repo, "add", "infra/Pulumi.prod.yaml")  # staged counts the same
    assert git_status(repo) == []


def test_any_other_change_to_a_stack_file_still_counts(repo):
    (repo / "infra/Pulumi.prod.yaml").write_text(SALT + STACK.replace("eu-west-2", "us-east-1"))
    assert git_status(repo) == [" M infra/Pulumi.prod.yaml"]
    with pytest.raises(DeployError, match=r"uncommitted changes \(infra/Pulumi.prod.yaml\)"):
        refuse_dirty("prod", git_status(repo), allow_dirty=False)
    (repo / "infra/Pulumi.prod.yaml").write_text(STACK)
    (repo / "infra/__main__.py").write_text("print()\n")
    assert git_status(repo) == [" M infra/__main__.py"]


def test_a_changed_or_removed_salt_is_a_real_change():
    assert only_encryption_salt_added("+encryptionsalt: v1:abc\n")
    assert not only_encryption_salt_added("-encryptionsalt: v1:old\n+encryptionsalt: v1:new\n")
    assert not only_encryption_salt_added("-encryptionsalt: v1:old\n")
    assert not only_encryption_salt_added("+config:\n+encryptionsalt: v1:abc\n")
    assert not only_encryption_salt_added("")


def test_outside_git_there_is_no_status(tmp_path):
    assert git_status(tmp_path) is None
