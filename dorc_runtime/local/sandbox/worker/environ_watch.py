"""Whether a sandbox's environment variables changed since the real-AWS guard last checked them.

The guard must run again before an invocation that follows a change (a handler that points
``AWS_ENDPOINT_URL`` at real AWS), and only then: a sandbox wakes cold for each invocation, and
comparing ``os.environ`` with a copy touches every variable's objects (tens of µs a state in
``benchmarks/sandboxes.py``). Instead, ``os.environ``'s raw dict (which ``os.environb`` shares) is
replaced by one that notes every write, and the check runs when it has noted one, or when
``os.environ`` itself was replaced. Every way to change ``os.environ`` or ``os.environb`` writes
through that dict; ``os.putenv``/``os.unsetenv`` bypass ``os.environ``, so boto3 never sees them.

Hand-written: the standard library has no notification of environment changes. Stdlib only (the
worker loads it by path inside a function's environment).
"""

from __future__ import annotations

import os
from typing import Any


class _NotingDict(dict):  # type: ignore[type-arg]
    """A dict that sets ``changed`` on every write (every mutating method, not only ``[]=``)."""

    __slots__ = ("changed",)

    def __init__(self, data: dict[Any, Any]) -> None:
        super().__init__(data)
        self.changed = True

    def __setitem__(self, key: Any, value: Any) -> None:
        self.changed = True
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self.changed = True
        super().__delitem__(key)

    def __ior__(self, other: Any) -> _NotingDict:
        self.changed = True
        return super().__ior__(other)

    def pop(self, *args: Any) -> Any:
        self.changed = True
        return super().pop(*args)

    def popitem(self) -> Any:
        self.changed = True
        return super().popitem()

    def clear(self) -> None:
        self.changed = True
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.changed = True
        super().update(*args, **kwargs)

    def setdefault(self, *args: Any) -> Any:
        self.changed = True
        return super().setdefault(*args)


class EnvironWatch:
    """Watches ``os.environ`` from its creation: :meth:`changed` is True until :meth:`checked`
    says the guard passed, and again after any change."""

    def __init__(self) -> None:
        self._environ = os.environ
        raw = getattr(self._environ, "_data", None)
        self._noting: _NotingDict | None = None
        if not isinstance(raw, dict):  # not CPython's os.environ: checked before every invocation
            return
        self._noting = _NotingDict(raw)
        self._environ._data = self._noting  # type: ignore[attr-defined]
        environb = getattr(os, "environb", None)
        if environb is not None and getattr(environb, "_data", None) is raw:
            environb._data = self._noting

    def changed(self) -> bool:
        # os.environ replaced outright (``os.environ = {...}``) cannot be watched: always changed
        return self._noting is None or self._noting.changed or os.environ is not self._environ

    def checked(self) -> None:
        if self._noting is not None:
            self._noting.changed = False
