from __future__ import annotations

import json

import pytest

from dorc_runtime.submissions.exceptions import Rejection
from dorc_runtime.submissions.manifest import (
    OGL_V3,
    SCHEMA_PATH,
    manifest_schema,
    parse_manifest,
    schema_text,
)
from tests.runtime.submissions.submission_archives import manifest_bytes


def test_schema_file_is_in_sync_with_the_model():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "run: python -c 'from dorc_runtime.submissions.manifest import write_schema; write_schema()'"
    )


def test_schema_names_the_required_fields_by_their_manifest_names():
    schema = manifest_schema()
    assert sorted(schema["required"]) == ["fileAuthorEmail", "fileAuthorUsername", "manifestVersion", "source_id"]
    assert schema["additionalProperties"] is False


def test_defaults_come_from_the_archive_name():
    manifest = parse_manifest(manifest_bytes(), "census_2021_v1.tar.gz")
    assert manifest.title == "census_2021_v1"
    assert manifest.alias_name == "census_2021_v1.tar.gz"
    assert manifest.licence == OGL_V3
    assert manifest.is_publishable is False


def test_given_values_win_over_defaults():
    manifest = parse_manifest(manifest_bytes(title="Census", aliasName="c", isPublishable=True), "x.zip")
    assert (manifest.title, manifest.alias_name, manifest.is_publishable) == ("Census", "c", True)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"manifestVersion": 2}, "manifestVersion"),
        ({"source_id": "../../etc"}, "source_id"),
        ({"fileAuthorEmail": "not-an-email"}, "fileAuthorEmail"),
        ({"fileAuthorUsername": None}, "fileAuthorUsername"),
        ({"sourceId": "typo"}, "sourceId"),
    ],
)
def test_schema_violations_are_rejections_naming_the_field(changes, field):
    with pytest.raises(Rejection) as caught:
        parse_manifest(manifest_bytes(**changes), "a.tar")
    assert caught.value.rule == "manifest.schema"
    assert field in caught.value.message


def test_manifest_that_is_not_json_is_a_rejection():
    with pytest.raises(Rejection) as caught:
        parse_manifest(b"\xff\xfe", "a.tar")
    assert caught.value.rule == "manifest.invalid_json"


def test_schema_file_is_valid_json_with_an_id():
    assert json.loads(SCHEMA_PATH.read_text())["$id"].endswith("manifest.v1.json")
