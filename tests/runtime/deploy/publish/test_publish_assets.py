"""What an image function's build context holds and the content tag that names it (pure)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from deploy_projects import census_project

from dorc_runtime.deploy.publish import image_asset, pipeline_assets, stage
from dorc_runtime.errors import DeployError
from dorc_runtime.naming import Naming
from dorc_runtime.project import Project

NAMING = Naming("acme-data")


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return census_project(tmp_path / "acme-data")


def asset(root: Path, layer: str, pipeline: str, function: str):
    definition = Project(root).load(layer, pipeline)
    return image_asset(definition, definition.function(function), NAMING)


def litter(root: Path) -> None:
    """What a developer, git, a venv and a deploy leave around: none of it may reach an image."""
    (root / ".git").mkdir()
    (root / ".git/HEAD").write_text("ref: refs/heads/main\n")
    (root / ".venv/lib").mkdir(parents=True)
    (root / ".venv/lib/big.so").write_bytes(b"\0" * 1000)
    (root / ".dorc/pulumi-state").mkdir(parents=True)
    (root / ".dorc/pulumi-state/stack.json").write_text("{}")
    (root / ".env").write_text("PULUMI_CONFIG_PASSPHRASE=secret\n")
    fn = root / "src/raw/census/src/validate"
    for folder in ("__pycache__", ".venv", ".git", ".dorc"):
        (fn / folder).mkdir()
        (fn / folder / "x").write_text("x")
    (fn / ".env").write_text("SECRET=1\n")
    (fn / "lambda.pyc").write_bytes(b"cache")


def test_the_context_is_exactly_the_dockerfile_requirements_and_the_function_folder(root: Path) -> None:
    litter(root)
    (root / "src/raw/census/src/validate/rules.json").write_text("{}")
    validate = asset(root, "raw", "census", "validate")
    assert [f.path for f in validate.files] == [
        "Dockerfile",
        "requirements.txt",
        "src/raw/census/requirements.txt",
        "src/raw/census/src/validate/lambda.py",
        "src/raw/census/src/validate/rules.json",
    ]
    assert validate.build_args == (("PIPELINE_PATH", "src/raw/census"), ("CODE_PATH", "src/raw/census/src/validate"))
    assert (validate.repository, validate.platform) == ("acme-data/raw/census/validate", "linux/amd64")
    assert validate.local_ref == f"acme-data/raw/census/validate:{validate.tag}"


def test_staging_writes_exactly_the_context(root: Path, tmp_path: Path) -> None:
    litter(root)
    staged = stage(asset(root, "processed", "quick", "one"), tmp_path / "context")
    found = sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file())
    # processed/quick has no requirements.txt: an empty one keeps the Dockerfile's COPY valid
    assert found == ["Dockerfile", "requirements.txt", "src/processed/quick/requirements.txt",
                     "src/processed/quick/src/one/lambda.py"]  # fmt: skip
    assert (staged / "src/processed/quick/requirements.txt").read_bytes() == b""
    assert (staged / "Dockerfile").read_bytes() == (root / "Dockerfile").read_bytes()


def test_tag_is_a_hash_of_the_platform_the_build_arg_and_the_staged_files(root: Path) -> None:
    """Recomputed here independently: sha256 over length-framed (name, content) pairs, 20 hex digits."""
    validate = asset(root, "raw", "census", "validate")
    sha = hashlib.sha256()
    entries = [
        ("platform", b"linux/amd64"),
        ("build-arg:PIPELINE_PATH", b"src/raw/census"),
        ("build-arg:CODE_PATH", b"src/raw/census/src/validate"),
        ("file:Dockerfile", (root / "Dockerfile").read_bytes()),
        ("file:requirements.txt", b""),
        ("file:src/raw/census/requirements.txt", b""),
        ("file:src/raw/census/src/validate/lambda.py", (root / "src/raw/census/src/validate/lambda.py").read_bytes()),
    ]
    for name, content in entries:
        sha.update(len(name).to_bytes(8, "big") + name.encode())
        sha.update(len(content).to_bytes(8, "big") + content)
    assert validate.tag == sha.hexdigest()[:20]


def test_tag_ignores_what_is_not_staged_and_follows_what_is(root: Path) -> None:
    before = {a.key: a.tag for a in pipeline_assets(Project(root).load("raw", "census"), NAMING)}
    litter(root)
    (root / "src/raw/census/__main__.py").write_text((root / "src/raw/census/__main__.py").read_text() + "\n# note\n")
    (root / "README.md").write_text("docs\n")
    assert {a.key: a.tag for a in pipeline_assets(Project(root).load("raw", "census"), NAMING)} == before
    (root / "src/raw/census/src/fetch/lambda.py").write_text("def handler(event, context):\n    return 1\n")
    after = {a.key: a.tag for a in pipeline_assets(Project(root).load("raw", "census"), NAMING)}
    assert {key for key in before if before[key] != after[key]} == {"raw/census/fetch"}


def test_architecture_is_part_of_the_tag_and_the_platform(root: Path) -> None:
    arm = asset(root, "processed", "census", "aggregate")
    main = root / "src/processed/census/__main__.py"
    main.write_text(main.read_text().replace('architecture="arm64"', 'architecture="x86_64"'))
    amd = asset(root, "processed", "census", "aggregate")
    assert (arm.platform, amd.platform) == ("linux/arm64", "linux/amd64")
    assert arm.files == amd.files and arm.tag != amd.tag


def test_zip_functions_have_no_image(root: Path) -> None:
    assets = pipeline_assets(Project(root).load("processed", "census"), NAMING)
    assert [a.function for a in assets] == ["aggregate"]  # publish is package_type="zip"


def test_an_image_function_without_a_dockerfile_is_refused_with_the_fix(root: Path) -> None:
    (root / "Dockerfile").unlink()
    with pytest.raises(DeployError) as error:
        asset(root, "raw", "census", "fetch")
    assert "no Dockerfile" in error.value.message and "package_type='zip'" in error.value.fix


def test_the_templates_dockerignore_lists_what_staging_leaves_out() -> None:
    """One list in the code (images.IGNORED_*); the template's .dockerignore repeats it for
    hand-made builds, and this keeps the two from drifting apart."""
    from dorc_runtime.deploy.images import IGNORED_DIRS, IGNORED_NAMES

    template = Path(__file__).resolve().parents[4] / "{{cookiecutter.project_slug}}" / ".dockerignore"
    patterns = {line for line in template.read_text().splitlines() if line and not line.startswith("#")}
    wanted = {f"**/{name}" for name in IGNORED_DIRS | IGNORED_NAMES}
    assert wanted <= patterns
    assert {".venv", ".git", ".dorc", ".env"} <= patterns
