"""Content hashes and zip packaging (plan the pip command; execute with a fake runner)."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from dorc_runtime.deploy.images import content_tag, package_inputs
from dorc_runtime.deploy.packaging import PlanOnlyPackager, ZipBuilder, missing_dependency, plan_zip
from dorc_runtime.errors import DeployError


def make_function(root: Path, requirements: str | None = "pandas==2.2.2\n") -> Path:
    fn = root / "src/raw/census/src/fetch"
    fn.mkdir(parents=True)
    (fn / "lambda.py").write_text("def handler(event, context):\n    return event\n")
    (root / "requirements.txt").write_text("")
    if requirements is not None:
        (root / "src/raw/census/requirements.txt").write_text(requirements)
    return root


def inputs(root: Path, architecture: str = "x86_64", package_type: str = "zip", python_version: str = "3.12"):
    return package_inputs(
        root,
        root / "src/raw/census",
        "fetch",
        package_type=package_type,
        architecture=architecture,
        python_version=python_version,
    )


def test_tag_is_stable_and_ignores_caches(tmp_path: Path) -> None:
    root = make_function(tmp_path)
    tag = content_tag(inputs(root))
    assert len(tag) == 20 and content_tag(inputs(root)) == tag
    (root / "src/raw/census/src/fetch/__pycache__").mkdir()
    (root / "src/raw/census/src/fetch/__pycache__/x.pyc").write_bytes(b"1")
    assert content_tag(inputs(root)) == tag
    assert content_tag(inputs(root, architecture="arm64")) != tag
    (root / "src/raw/census/src/fetch/data.csv").write_text("a,b\n")
    assert content_tag(inputs(root)) != tag


def test_plan_zip_pins_the_lambda_platform(tmp_path: Path) -> None:
    root = make_function(tmp_path)
    plan = plan_zip(inputs(root, architecture="arm64"), "acme-prod-raw-census-fetch", python="python3")
    command = plan.pip_command
    assert command is not None
    platforms = [command[i + 1] for i, arg in enumerate(command) if arg == "--platform"]
    assert platforms == ["manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"]
    assert command[command.index("--python-version") + 1] == "3.12"
    assert "--only-binary=:all:" in command
    assert ["-r", str(root / "requirements.txt"), "-r", str(root / "src/raw/census/requirements.txt")] == list(command[-4:])
    assert plan.archive.parent == root / ".dorc/build" and plan.archive.suffix == ".zip"
    assert plan.describe().startswith("src/raw/census/src/fetch -> .dorc/build/acme-prod-raw-census-fetch-")


def test_builder_zips_dependencies_and_code_deterministically(tmp_path: Path) -> None:
    root = make_function(tmp_path)
    calls = []

    def fake_pip(command):
        calls.append(command)
        target = Path(command[command.index("--target") + 1])
        (target / "pandas").mkdir(parents=True)
        (target / "pandas/__init__.py").write_text("VERSION = '2.2.2'\n")
        return subprocess.CompletedProcess(command, 0, "", "")

    archive = ZipBuilder(runner=fake_pip).package(inputs(root), "fn")
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == ["lambda.py", "pandas/__init__.py"]
        first = {i.filename: (i.date_time, i.CRC) for i in zf.infolist()}
    archive.unlink()
    again = ZipBuilder(runner=fake_pip).package(inputs(root), "fn")
    with zipfile.ZipFile(again) as zf:
        assert {i.filename: (i.date_time, i.CRC) for i in zf.infolist()} == first
    ZipBuilder(runner=fake_pip).package(inputs(root), "fn")  # content-addressed: reused, no pip
    assert len(calls) == 2


def test_no_requirements_no_pip(tmp_path: Path) -> None:
    root = make_function(tmp_path, requirements=None)
    (root / "requirements.txt").unlink()

    def no_pip(command):
        raise AssertionError("pip must not run")

    archive = ZipBuilder(runner=no_pip).package(inputs(root), "fn")
    assert zipfile.ZipFile(archive).namelist() == ["lambda.py"]


def test_a_dependency_without_a_wheel_is_named(tmp_path: Path) -> None:
    root = make_function(tmp_path, requirements="pyodbc-src==1.0\n")
    stderr = (
        "ERROR: Could not find a version that satisfies the requirement pyodbc-src==1.0 (from versions: none)\n"
        "ERROR: No matching distribution found for pyodbc-src==1.0\n"
    )

    def failing_pip(command):
        return subprocess.CompletedProcess(command, 1, "", stderr)

    with pytest.raises(DeployError, match=r"'pyodbc-src==1.0' has no wheel for the Lambda platform \(manylinux_2_28_x86_64 or manylinux_2_17_x86_64 or manylinux2014_x86_64, Python 3.12\)"):
        ZipBuilder(runner=failing_pip).package(inputs(root), "fn")
    assert not list((root / ".dorc/build").glob("*.zip"))
    assert missing_dependency("all good") is None


def test_other_pip_failures_say_so(tmp_path: Path) -> None:
    root = make_function(tmp_path)
    with pytest.raises(DeployError, match="installing requirements for the Lambda zip failed: network down"):
        ZipBuilder(runner=lambda c: subprocess.CompletedProcess(c, 2, "", "network down\n")).package(inputs(root), "fn")


def test_plan_only_packager_builds_nothing(tmp_path: Path) -> None:
    root = make_function(tmp_path)
    packager = PlanOnlyPackager()
    archive = packager.package(inputs(root), "fn")
    assert not archive.exists() and len(packager.plans) == 1


# Lambda runtimes and their operating systems (3.12+ on Amazon Linux 2023, glibc 2.34; 3.10/3.11 on
# Amazon Linux 2, glibc 2.26): https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
@pytest.mark.parametrize(
    ("python_version", "architecture", "expected"),
    [
        ("3.13", "x86_64", ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"]),
        ("3.12", "x86_64", ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"]),
        ("3.12", "arm64", ["manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"]),
        ("3.11", "x86_64", ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]),
        ("3.10", "arm64", ["manylinux_2_17_aarch64", "manylinux2014_aarch64"]),
    ],
)
def test_pip_platforms_follow_the_runtimes_glibc(tmp_path: Path, python_version, architecture, expected) -> None:
    root = make_function(tmp_path)
    command = plan_zip(inputs(root, architecture, python_version=python_version), "fn", python="python3").pip_command
    assert command is not None
    flags = list(command[command.index("--disable-pip-version-check") + 1 : command.index("--implementation")])
    assert flags == [arg for tag in expected for arg in ("--platform", tag)]
    assert command[command.index("--python-version") + 1] == python_version


# numpy 2.3 publishes Linux wheels for manylinux_2_28 only (tagged manylinux_2_27.manylinux_2_28):
# the wheels a Python 3.12 Lambda runs, which a manylinux2014-only install cannot find.
MANYLINUX_2_28_ONLY = "numpy==2.3.5"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_manylinux_2_28_only_wheel_is_really_downloaded_for_python_312(tmp_path: Path) -> None:
    root = make_function(tmp_path, requirements=MANYLINUX_2_28_ONLY + "\n")
    archive = ZipBuilder().package(inputs(root), "fn")
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
    assert "lambda.py" in names and "numpy/__init__.py" in names
    wheel = [n for n in names if n.startswith("numpy-2.3.5.dist-info/WHEEL")]
    assert wheel
    with zipfile.ZipFile(archive) as zf:
        tags = zf.read(wheel[0]).decode()
    assert "Tag: cp312-cp312-manylinux_2_28_x86_64" in tags
    # the same requirement with the platform dorc used before: pip finds nothing
    command = plan_zip(inputs(root), "fn").pip_command
    assert command is not None
    start, end = command.index("--disable-pip-version-check") + 1, command.index("--implementation")
    only_2014 = [*command[:start], "--platform", "manylinux2014_x86_64", *command[end:]]
    only_2014[only_2014.index("--target") + 1] = str(tmp_path / "old")
    done = subprocess.run(only_2014, capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert missing_dependency(done.stdout + done.stderr) == MANYLINUX_2_28_ONLY
