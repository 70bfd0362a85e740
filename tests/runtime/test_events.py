import pytest

from dorc_runtime.errors import EventError
from dorc_runtime.events import parse_event


def test_inline_json_file_and_default(tmp_path):
    (tmp_path / "event.json").write_text('{"year": 2021}')
    assert parse_event('{"year": 2021}') == {"year": 2021}
    assert parse_event("@event.json", base=tmp_path) == {"year": 2021}
    assert parse_event(f"@{tmp_path / 'event.json'}") == {"year": 2021}
    assert parse_event(None) == {} and parse_event("  ") == {}
    assert parse_event("[1, 2]") == [1, 2]


def test_bad_json_and_missing_file_are_clear(tmp_path):
    with pytest.raises(EventError, match="--event is not valid JSON: .* line 1 column 2"):
        parse_event("{year: 2021}")
    with pytest.raises(EventError, match="Cannot read the event file"):
        parse_event("@missing.json", base=tmp_path)
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(EventError, match="bad.json is not valid JSON"):
        parse_event("@bad.json", base=tmp_path)
