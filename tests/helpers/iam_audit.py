"""Audit IAM permission policies with an independent checker: parliament (Duo Labs).

Takes the ``policies`` of a plan (``Plan.policies()`` or the ``policies`` of ``invoke plan
--output``'s JSON); trust policies are skipped (they have no Resource, and parliament audits
permission policies).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import parliament


def parliament_findings(policies: Iterable[Mapping[str, Any]]) -> dict[str, list[tuple[str, Any]]]:
    """``"<stack>:<resource>:<type>"`` -> parliament's (issue, detail) findings, for every permission policy."""
    findings = {}
    for policy in policies:
        if policy["kind"] == "trust":
            continue
        found = parliament.analyze_policy_string(json.dumps(policy["document"])).findings
        findings[f"{policy['stack']}:{policy['resource']}:{policy['type']}"] = [(f.issue, f.detail) for f in found]
    return findings
