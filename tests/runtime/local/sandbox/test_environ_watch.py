"""The sandbox's record of environment changes, which decides when the real-AWS guard checks the
variables again: every way of changing ``os.environ`` (or ``os.environb``) is noticed."""

from __future__ import annotations

import os

import pytest

from dorc_runtime.local.sandbox.worker.environ_watch import EnvironWatch


@pytest.fixture
def watch(monkeypatch):
    """A watch over this process's os.environ, whose raw dicts are put back afterwards, and the
    process's own (C-level) environment too: ``os.environ.clear()`` unsets every variable there,
    and every later subprocess of this test worker would start without them."""
    saved = dict(os.environ)
    monkeypatch.setattr(os.environ, "_data", os.environ._data)
    monkeypatch.setattr(os.environb, "_data", os.environb._data)
    monkeypatch.setenv("DORC_WATCHED", "before")
    made = EnvironWatch()
    assert made.changed()  # nothing checked yet
    yield made
    for name in ("DORC_WATCHED", "DORC_OTHER"):
        os.unsetenv(name)
    for name, value in saved.items():
        os.putenv(name, value)


def checked(watch: EnvironWatch) -> None:
    """The guard passed (in the test's own phase: pytest sets PYTEST_CURRENT_TEST between phases)."""
    watch.checked()
    assert not watch.changed()


CHANGES = {
    "set": lambda: os.environ.__setitem__("DORC_WATCHED", "after"),
    "set the same value": lambda: os.environ.__setitem__("DORC_WATCHED", "before"),
    "delete": lambda: os.environ.__delitem__("DORC_WATCHED"),
    "pop": lambda: os.environ.pop("DORC_WATCHED"),
    "popitem": lambda: os.environ.popitem(),
    "update": lambda: os.environ.update({"DORC_OTHER": "x"}),
    "|=": lambda: os.environ.__ior__({"DORC_OTHER": "x"}),
    "setdefault": lambda: os.environ.setdefault("DORC_OTHER", "x"),
    "clear": lambda: os.environ.clear(),
    "environb": lambda: os.environb.__setitem__(b"DORC_WATCHED", b"after"),
    "raw dict update": lambda: os.environ._data.update({b"DORC_OTHER": b"x"}),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_every_kind_of_change_is_noticed_until_checked(watch, change):
    checked(watch)
    change()
    assert watch.changed() and watch.changed()  # still changed: the guard has not passed yet
    watch.checked()
    assert not watch.changed()


def test_reading_is_not_a_change(watch):
    checked(watch)
    assert os.environ["DORC_WATCHED"] == "before" and "DORC_WATCHED" in os.environ
    assert dict(os.environ)["DORC_WATCHED"] == "before" and os.environ.copy()["DORC_WATCHED"] == "before"
    assert os.environb[b"DORC_WATCHED"] == b"before"
    assert not watch.changed()


def test_environ_replaced_outright_is_always_changed(watch, monkeypatch):
    checked(watch)
    monkeypatch.setattr(os, "environ", {"AWS_ENDPOINT_URL": "https://s3.amazonaws.com"})
    assert watch.changed()
    watch.checked()
    assert watch.changed()
