"""What the template's post-generation hook adds to a freshly rendered project.

Layers, per-environment stack files, ``routes.py``, the optional example pipelines (with their
submission route and a sample submission) and the record of which template made the project. The
hook copies the runtime and then applies :func:`bake_plan` with the same writer the ``new-*``
tasks use. Standard library only (see :mod:`.files`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from . import files
from .writer import Plan

RECORD = ".dorc-template.json"
EXAMPLE = "census"
EXAMPLE_SUMMARY = "census_summary"
EXAMPLE_SOURCES = ("census_raw", "census_processed")
# The raw census takes submissions: `tar czf census_2021_v1.tar.gz -C samples census_2021_v1`.
EXAMPLE_ROUTE = (r"census_.*_v1", [r"^data\.csv$"])
EXAMPLE_SAMPLES = "samples"
SKIPPED = {"__pycache__", ".pytest_cache"}


def parse_list(text: str) -> list[str]:
    """'preprod, prod' -> ['preprod', 'prod'] (empty items dropped)."""
    return [item.strip() for item in text.split(",") if item.strip()]


def read_tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (relative '/' paths -> bytes), caches left out; one walk."""
    found: dict[str, bytes] = {}
    for top, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED)
        rel = Path(top).relative_to(folder).as_posix()
        prefix = "" if rel == "." else f"{rel}/"
        for name in sorted(names):
            if not name.endswith(".pyc"):
                with open(os.path.join(top, name), "rb") as file:
                    found[prefix + name] = file.read()
    return found


def example_targets(layers: list[str]) -> list[tuple[str, str, str]]:
    """(example folder, layer, pipeline): raw into the first layer, processed into the second;
    with one layer both go into it, the second as ``census_summary``."""
    raw, processed = EXAMPLE_SOURCES
    if len(layers) == 1:
        return [(raw, layers[0], EXAMPLE), (processed, layers[0], EXAMPLE_SUMMARY)]
    return [(raw, layers[0], EXAMPLE), (processed, layers[1], EXAMPLE)]


def record(
    template: str,
    checkout: str | None,
    commit: str | None,
    version: str,
    answers: Mapping[str, str],
    dirty: bool = False,
) -> str:
    """The ``.dorc-template.json`` that lets the project be updated from a newer template:
    ``commit`` is re-rendered as the base of a later update; ``template_dirty`` says the template
    had uncommitted changes, so that base is only close to what was baked."""
    data = {
        "template": template,
        "checkout": checkout,
        "commit": commit,
        "template_dirty": dirty,
        "dorc_runtime_version": version,
        "answers": dict(answers),
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def bake_plan(answers: Mapping[str, str], examples: Path | None, record_text: str) -> Plan:
    """Everything the hook adds; ``examples`` is the rendered ``_examples`` folder, if wanted."""
    slug = answers["project_slug"]
    layers = parse_list(answers["layers"])
    environments = parse_list(answers["environments"])
    region = answers["aws_region"]
    plan = Plan()
    for layer in layers:
        plan.trees[f"src/{layer}"] = files.layer_files()
    routes: list[str] = []
    if examples is not None:
        for source, layer, pipeline in example_targets(layers):
            tree: dict[str, str | bytes] = dict(read_tree(examples / source))
            tree.update(files.pipeline_stacks(slug, layer, pipeline, environments, region, f"example {layer}/{pipeline}"))
            plan.trees[f"src/{layer}/{pipeline}"] = tree
        source_id, required = EXAMPLE_ROUTE
        routes.append(files.route_call(source_id, layers[0], EXAMPLE, required))
        if (examples / EXAMPLE_SAMPLES).is_dir():
            plan.trees[EXAMPLE_SAMPLES] = read_tree(examples / EXAMPLE_SAMPLES)
    plan.files[files.ROUTES_FILE] = files.routes_module(routes)
    for name, content in files.infra_stacks(slug, environments, region).items():
        plan.files[f"infra/{name}"] = content
    plan.files["universal/Pulumi.universal.yaml"] = files.universal_stack(region)
    plan.files[RECORD] = record_text
    return plan
