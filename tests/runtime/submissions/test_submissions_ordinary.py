"""Ordinary archives are accepted: made by GNU tar and by Python's shutil the ways people pack a
folder, with './' members, one top folder, and names that are legal on POSIX."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from dorc_runtime.submissions.dispatcher import Dispatcher
from dorc_runtime.submissions.limits import Limits
from dorc_runtime.submissions.member_names import member_path
from dorc_runtime.submissions.routes import Route, RouteTable
from tests.runtime.submissions.submission_archives import (
    DATA,
    manifest_bytes,
    tar_bytes,
    valid_members,
    zip_bytes,
)


@pytest.fixture
def folder(tmp_path) -> Path:
    root = tmp_path / "census_2021_v1"
    root.mkdir()
    (root / "manifest.json").write_bytes(manifest_bytes())
    (root / "data.csv").write_bytes(DATA)
    (root / "notes").mkdir()
    (root / "notes" / "a:b read me.txt").write_text("colons and spaces are legal on POSIX\n")
    return root


def gnu_tar(*args: str, cwd: Path) -> None:
    subprocess.run(["tar", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


def staged_names(outcome) -> list[str]:
    return sorted(key.rsplit(f"{outcome.submission_id}/", 1)[1] for key in outcome.files)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda f, out: gnu_tar("czf", str(out), "-C", str(f), ".", cwd=f.parent), id="tar czf x -C folder ."),
        pytest.param(lambda f, out: gnu_tar("czf", str(out), f.name, cwd=f.parent), id="tar czf x folder"),
        pytest.param(lambda f, out: gnu_tar("cf", str(out), "--format=pax", "-C", str(f), ".", cwd=f.parent), id="tar pax"),
        pytest.param(lambda f, out: gnu_tar("cf", str(out), "--format=gnu", "-C", str(f), ".", cwd=f.parent), id="tar gnu"),
        pytest.param(
            lambda f, out: shutil.move(shutil.make_archive(str(out).removesuffix(".tar.gz"), "gztar", root_dir=f), out),
            id="shutil.make_archive gztar",
        ),
        pytest.param(
            lambda f, out: shutil.move(shutil.make_archive(str(out).removesuffix(".tar.gz"), "zip", root_dir=f), out),
            id="shutil.make_archive zip",
        ),
    ],
)
def test_archives_made_the_usual_ways_are_accepted(make, folder, tmp_path, world, dispatcher, request):
    suffix = ".zip" if "zip" in request.node.callspec.id else ".tar.gz"
    archive = tmp_path / f"census_2021_v1{suffix}"
    make(folder, archive)

    outcome = dispatcher.dispatch(world.put(archive.name, archive.read_bytes()))

    assert outcome.status == "accepted", outcome.report
    assert staged_names(outcome) == ["data.csv", "notes/a:b read me.txt"]


def test_a_zip_member_with_a_colon_is_a_name_not_a_drive(world, dispatcher):
    body = zip_bytes([*valid_members(), ("a:b.csv", b"1")])

    outcome = dispatcher.dispatch(world.put("census_2021_v1.zip", body))

    assert outcome.status == "accepted", outcome.report
    assert staged_names(outcome) == ["a:b.csv", "data.csv"]


def test_a_long_ordinary_archive_is_accepted_under_the_default_limits(world, tmp_path):
    """A realistic folder: 1,000 files, deep paths, unicode names. (Every staged key is in the
    pipeline's input, which Step Functions caps at 256 KiB: about 2,500 such names.)"""
    table = RouteTable((Route(source_id=r"census_.*_v1", layer="raw", pipeline="census"),), Limits())
    members = [(f"région/année_{i // 100}/fichier {i}.csv", b"a,b\n1,2\n") for i in range(1_000)]
    body = tar_bytes([("./manifest.json", manifest_bytes()), *members], compress=True)

    outcome = Dispatcher(table, world.settings, world.clients, workdir=tmp_path).dispatch(world.put("census_2021_v1.tgz", body))

    assert outcome.status == "accepted", outcome.report
    assert len(outcome.files) == 1_000


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("./data.csv", "data.csv"),
        (".", ""),
        ("./", ""),
        ("a//b/./c.csv", "a/b/c.csv"),
        ("a:b.csv", "a:b.csv"),
        ("C:x.csv", "C:x.csv"),
        ("données é.csv", "données é.csv"),
    ],
)
def test_member_names_accepted_and_normalised(raw, expected):
    assert member_path(raw, Limits()) == expected


@pytest.mark.parametrize(
    "raw, rule",
    [
        ("/etc/passwd", "archive.absolute_path"),
        ("C:/Windows/x", "archive.absolute_path"),
        ("a/../../x", "archive.parent_path"),
        ("..", "archive.parent_path"),
        ("a\\b.csv", "archive.unsafe_path"),
        ("a\x00b", "archive.unsafe_path"),
        ("", "archive.unsafe_path"),  # a zip member named '\x00', as zipfile reads it
        ("a\tb", "archive.unsafe_path"),
        ("bad-\udcff.csv", "archive.unsafe_path"),  # a non-UTF-8 byte, as tarfile decodes it
        ("x" * 256, "archive.name_too_long"),  # one component over NAME_MAX (255 bytes)
        ("d/" * 300 + "x", "archive.name_too_long"),  # over max_name_bytes
    ],
)
def test_member_names_refused_by_rule(raw, rule):
    from dorc_runtime.submissions.exceptions import Rejection

    with pytest.raises(Rejection) as refused:
        member_path(raw, Limits())
    assert refused.value.rule == rule


def test_zip_made_by_zipfile_with_folders_is_accepted(world, dispatcher):
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.mkdir("census_2021_v1")
        for name, data in valid_members():
            archive.writestr(f"census_2021_v1/{name}", data)

    outcome = dispatcher.dispatch(world.put("census_2021_v1.zip", buffer.getvalue()))

    assert outcome.status == "accepted", outcome.report
    assert staged_names(outcome) == ["data.csv"]


def test_more_file_names_than_a_pipeline_input_holds_is_a_named_rule(world, tmp_path):
    # "Maximum input or output size for a task, state, or execution: 256 KiB"
    # https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
    table = RouteTable((Route(source_id=r"census_.*_v1", layer="raw", pipeline="census"),), Limits())
    members = [(f"région/année_{i // 100}/fichier {i}.csv", b"1") for i in range(3_000)]
    body = tar_bytes([("manifest.json", manifest_bytes()), *members], compress=True)

    outcome = Dispatcher(table, world.settings, world.clients, workdir=tmp_path).dispatch(world.put("census_2021_v1.tgz", body))

    assert outcome.report["rule"] == "route.input_too_large"
    assert outcome.report["details"]["limit"] == 262_144
    assert world.keys("failed/") == [f"failed/{outcome.submission_id}/census_2021_v1.tgz", outcome.report_key]
    assert world.executions() == []
