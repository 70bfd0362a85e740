"""ASL as text: sorted keys and fixed indentation so the same definition prints the same bytes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def to_json(asl: Mapping[str, Any]) -> str:
    return json.dumps(asl, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
