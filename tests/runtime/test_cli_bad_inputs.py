"""Bad inputs a user can give the tasks of a baked project, each run as a whole ``invoke`` process.

Every case must end in one line naming the rule and the fix (``Error: ... Fix: ...``, or Invoke's
own one-line refusal for a malformed command line), a non-zero exit code, no traceback from dorc
(a failing handler's traceback stays, trimmed to the user's frames) and an unchanged project.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

RAW_MAIN = "src/raw/census/__main__.py"
PROCESSED_MAIN = "src/processed/census/__main__.py"
VALIDATE_HANDLER = "src/raw/census/src/validate/lambda.py"
VALIDATE_FIX = "Fix: fix each problem as it says, then run 'invoke validate' again"


def _prepend(rel: str, text: str) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        path = root / rel
        path.write_text(text + path.read_text(encoding="utf-8"), encoding="utf-8")

    return setup


def _replace(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        path = root / rel
        source = path.read_text(encoding="utf-8")
        assert old in source, f"{old!r} not in {rel}"
        path.write_text(source.replace(old, new), encoding="utf-8")

    return setup


def _write(rel: str, content: str | bytes) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return setup


def _both(*setups: Callable[[Path], None]) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        for one in setups:
            one(root)

    return setup


def _file_instead_of_folder(rel: str) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        import shutil

        shutil.rmtree(root / rel)
        (root / rel).write_text("in the way\n")

    return setup


def _handoff(to_layer: str) -> str:
    return (
        'Function(name="publish", next_function=NextFunction(name="census", '
        f'type=NextFunctionTypes.PIPELINE, layer="{to_layer}")),'
    )


IMPORT_HANDOFF = _replace(
    RAW_MAIN,
    "from dorc_runtime import Function, PipelineDefinition",
    "from dorc_runtime import Function, NextFunction, NextFunctionTypes, PipelineDefinition",
)
IMPORT_HANDOFF_PROCESSED = _replace(
    PROCESSED_MAIN,
    "from dorc_runtime import Function, PipelineDefinition",
    "from dorc_runtime import Function, NextFunction, NextFunctionTypes, PipelineDefinition",
)
SELF_START = _both(IMPORT_HANDOFF, _replace(RAW_MAIN, 'Function(name="publish"),', _handoff("raw")))
A_B_A = _both(
    IMPORT_HANDOFF,
    IMPORT_HANDOFF_PROCESSED,
    _replace(RAW_MAIN, 'Function(name="publish"),', _handoff("processed")),
    _replace(PROCESSED_MAIN, 'Function(name="publish"),', _handoff("raw")),
)
SYS_EXIT = _prepend(RAW_MAIN, "import sys\nsys.exit(5)\n")
BAD_STR = _prepend(
    RAW_MAIN,
    "class Odd(Exception):\n    def __str__(self):\n        raise RuntimeError('no words')\n\nraise Odd()\n",
)
FAILING_HANDLER = _replace(
    VALIDATE_HANDLER,
    "def handler(event, context):\n",
    "def handler(event, context):\n    return helper()\n\n\ndef helper():\n    raise ValueError('bad row 7')\n\n\n"
    "def unused(event, context):\n",
)
LATIN1_HANDLER = (
    b"# -*- coding: latin-1 -*-\n"
    b"GREETING = 'caf\xe9'  # latin-1 bytes, declared by the coding line (PEP 263)\n\n\n"
    b"def handler(event, context):\n    return {'greeting': GREETING}\n"
)
DEEP_EVENT = "[" * 100_000 + "]" * 100_000
FAN_FUNCTIONS = (
    'Function(name="start", next_function=["left", "right"]), Function(name="left", next_function="join"), '
    'Function(name="right", next_function="join"), Function(name="join", next_function="each"), '
    'Function(name="each", map=MapSettings(items_path="$.items"))'
)


def _fan(left: str, each: str) -> Callable[[Path], None]:
    """raw/fan: start -> [left | right] -> join -> each (a Map over three items)."""

    def setup(root: Path) -> None:
        from tests.helpers.projects import write_pipeline

        handlers = {
            "start": "def handler(event, context):\n    return event\n",
            "left": f"def handler(event, context):\n{left}    return 'left'\n",
            "right": "def handler(event, context):\n    return 'right'\n",
            "join": "def handler(event, context):\n    return {'items': [0, 1, 2]}\n",
            "each": f"def handler(event, context):\n{each}    return event\n",
        }
        folder = write_pipeline(root, "raw", "fan", FAN_FUNCTIONS, handlers)
        main = folder / "__main__.py"
        main.write_text(main.read_text().replace("import Function,", "import Function, MapSettings,"))

    return setup


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    says: str  # in the last line of stderr
    code: int = 1
    setup: Callable[[Path], None] | None = None
    handler_traceback: bool = False
    extra_files: dict[str, str] = field(default_factory=dict)


CASES = [
    # __main__.py and project_settings.py misbehaving while dorc loads them
    Case("main-sys-exit-validate", ("validate",), "src/raw/census/__main__.py: failed to load (it called sys.exit(5))", setup=SYS_EXIT),
    Case("main-sys-exit-list", ("list",), "raw/census is invalid", setup=SYS_EXIT),
    Case("main-sys-exit-run", ("run", "census", "--layer", "raw"), "failed to load (it called sys.exit(5))", setup=SYS_EXIT),
    Case("main-sys-exit-graph", ("graph", "census", "--layer", "raw"), "failed to load (it called sys.exit(5))", setup=SYS_EXIT),
    Case("main-sys-exit-plan", ("plan", "prod"), "failed to load (it called sys.exit(5))", setup=SYS_EXIT),
    Case("main-keyboard-interrupt", ("validate",), "Interrupted.", code=130, setup=_prepend(RAW_MAIN, "raise KeyboardInterrupt\n")),
    Case("main-str-raises", ("validate",), "failed to load (Odd: (its message could not be shown: its __str__ raised))", setup=BAD_STR),
    Case("settings-sys-exit", ("validate",), "project_settings.py: failed to load (it called sys.exit(3))",
         setup=_prepend("project_settings.py", "import sys\nsys.exit(3)\n")),
    Case("settings-bad-region-validate", ("validate",), "project_settings.py: UniversalConfig: region: The AWS region 'London' is not a region code.",
         setup=_replace("project_settings.py", 'region="eu-west-2"', 'region="London"')),
    Case("settings-bad-region-plan", ("plan", "prod"), "project_settings.py: UniversalConfig: region: The AWS region 'London' is not a region code.",
         setup=_replace("project_settings.py", 'region="eu-west-2"', 'region="London"')),
    Case("function-ships-dorc-runtime", ("validate",), "src/fetch/dorc_runtime.py hides the vendored dorc_runtime package",
         setup=_write("src/raw/census/src/fetch/dorc_runtime.py", "X = 1\n")),
    Case("handler-syntax-error", ("run", "census", "--layer", "raw"), "src/validate/lambda.py line 1: syntax error",
         setup=_prepend(VALIDATE_HANDLER, "def (:\n")),
    # checks agree: hand-off cycles and invalid pipelines refused by validate, run and plan alike
    Case("self-start-validate", ("validate",), "raw/census: the pipeline starts itself", setup=SELF_START),
    Case("self-start-run", ("run", "census", "--layer", "raw"), "raw/census: the pipeline starts itself", setup=SELF_START),
    Case("cycle-validate", ("validate",), "pipelines start each other in a cycle (processed/census -> raw/census -> processed/census)", setup=A_B_A),
    Case("cycle-plan", ("plan", "prod"), "pipelines start each other in a cycle", setup=A_B_A),
    Case("cycle-deploy", ("deploy", "--env", "prod", "--yes"), "pipelines start each other in a cycle", setup=A_B_A),
    # names: did you mean ...?
    Case("mistyped-pipeline", ("run", "cencus"), "There is no pipeline 'cencus'. Did you mean 'census'?"),
    Case("mistyped-layer", ("run", "census", "--layer", "rw"), "There is no layer 'rw'. Did you mean 'raw'?"),
    Case("mistyped-function", ("call", "valdate", "census", "--layer", "raw"), "has no function 'valdate'. Did you mean 'validate'?"),
    Case("mistyped-after", ("new-function", "enrich", "census", "--layer", "raw", "--after", "fech"), "Did you mean 'fetch'?"),
    Case("bad-layer-name", ("new-layer", "Curated Data"), "The layer name 'Curated Data' contains white space."),
    Case("existing-pipeline", ("new-pipeline", "census", "--layer", "raw"), "Pipeline raw/census already exists (src/raw/census); nothing was changed."),
    # events and outputs
    Case("event-not-json", ("run", "census", "--layer", "raw", "--event", "{year: 2021}"), "--event is not valid JSON"),
    Case("event-file-missing", ("run", "census", "--layer", "raw", "--event", "@nowhere.json"), "Cannot read the event file"),
    Case("event-too-deep", ("run", "census", "--layer", "raw", "--event", "@deep.json"), "nests objects or lists too deeply",
         extra_files={"deep.json": DEEP_EVENT}),
    Case("output-missing-folder", ("run", "census", "--layer", "raw", "--output", "missing/result.json"),
         "the folder missing/ does not exist; nothing was run"),
    Case("graph-unknown-format", ("graph", "census", "--format", "gif"), "Unknown format 'gif'."),
    # files in the way of scaffolding
    Case("file-in-the-way", ("new-function", "enrich", "census", "--layer", "raw"), "src/raw/census/tests is a file, not a folder; nothing was changed",
         setup=_file_instead_of_folder("src/raw/census/tests")),
    Case("layer-file-in-the-way", ("new-layer", "curated"), "Layer 'curated' already exists (src/curated); nothing was changed. Fix: choose another name",
         setup=_write("src/curated", "a file\n")),
    # routes
    Case("route-nested-repeat", ("new-route", "(a*)*b", "census", "--layer", "raw"), "nests a repeat inside an unbounded repeat"),
    Case("route-huge-repeat", ("new-route", "a{100000000}", "census", "--layer", "raw"), "repeats more than 1000 times"),
    Case("route-huge-count", ("new-route", "x{4294967295}", "census", "--layer", "raw"), "is too large to compile"),
    Case("route-require-without-value", ("new-route", "census_.*", "census", "--layer", "raw", "--require"), "'--require' (give it a value"),
    Case("route-unreachable", ("new-route", "census_2021_v1", "census", "--layer", "processed"), "is unreachable"),
    # handlers: their traceback stays, trimmed to the user's frames, then one line
    Case("handler-raises-run", ("run", "census", "--layer", "raw"), "raw/census FAILED at state 'validate': ValueError: bad row 7",
         setup=FAILING_HANDLER, handler_traceback=True),
    Case("handler-raises-call", ("call", "validate", "census", "--layer", "raw", "--event", '{"bucket": "b"}'),
         "raw/census: validate failed: ValueError: bad row 7", setup=FAILING_HANDLER, handler_traceback=True),
    # inside a Parallel branch or a Map: the function, and the item's index, not the wrapper state
    Case("parallel-branch-fails", ("run", "fan", "--layer", "raw"), "raw/fan FAILED at state 'left' (in start.parallel[0]): ValueError: left broke",
         setup=_fan("    raise ValueError('left broke')\n", ""), handler_traceback=True),
    Case("map-item-fails", ("run", "fan", "--layer", "raw"), "raw/fan FAILED at state 'each.item' (in each[1]): ValueError: item 1 broke",
         setup=_fan("", "    if event == 1:\n        raise ValueError('item 1 broke')\n"), handler_traceback=True),
    # outside a project, and a closed stdin
    Case("local-reset-no-answer", ("local-reset",), "No answer to the confirmation", setup=_write(".dorc/local/s3/b/k", "x")),
]


def _run(project: Path, argv: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *argv], cwd=project, capture_output=True, text=True, timeout=240,
        stdin=subprocess.DEVNULL,
    )


def _ignored(snap: dict[str, bytes | None]) -> dict[str, bytes | None]:
    # the embedded AWS of a run that failed in a handler keeps what earlier states wrote (by design)
    return {k: v for k, v in snap.items() if k != ".dorc" and not k.startswith(".dorc/")}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_ends_in_one_line(case: Case, baked_project: Path, project_copy, snapshot) -> None:
    project = project_copy(baked_project)
    if case.setup:
        case.setup(project)
    for rel, content in case.extra_files.items():
        (project / rel).write_text(content)
    before = snapshot(project)
    result = _run(project, case.argv)
    out = result.stdout + result.stderr
    assert result.returncode == case.code, out
    message = result.stderr[result.stderr.find("Error: "):] if case.handler_traceback else result.stderr
    assert case.says in message, out
    if message.startswith("Error: "):
        lines = message.strip().splitlines()
        # one line; several problems are listed one per line, then one Fix line
        assert len(lines) == 1 and " Fix: " in lines[0] or lines[-1].startswith("Fix: "), out
    else:  # Invoke's own refusal of a malformed command line: one line
        assert len(message.strip().splitlines()) == 1, out
    if case.handler_traceback:
        frames = [line for line in out.splitlines() if line.strip().startswith('File "')]
        assert frames and all("dorc_runtime" not in line for line in frames), out
        assert all("/src/raw/" in line and "/lambda.py" in line for line in frames), out
    else:
        assert "Traceback" not in out and 'File "' not in out, out
    after = snapshot(project)
    if case.handler_traceback:
        before, after = _ignored(before), _ignored(after)
    assert after == before


def test_validate_and_run_refuse_with_the_same_lines(baked_project: Path, project_copy) -> None:
    project = project_copy(baked_project)
    SYS_EXIT(project)
    A_B_A(project)  # the raw pipeline fails to load; the cycle is then not complete, so not reported
    outputs = [_run(project, argv).stderr for argv in (("validate",), ("run", "census", "--layer", "raw"), ("plan", "prod"))]
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0] == f"Error: src/raw/census/__main__.py: failed to load (it called sys.exit(5)) {VALIDATE_FIX}\n"


def test_latin1_handler_with_a_coding_line_is_valid_and_runs(baked_project: Path, project_copy) -> None:
    project = project_copy(baked_project)
    _write("src/raw/census/src/fetch/lambda.py", LATIN1_HANDLER)(project)
    assert _run(project, ("validate",)).returncode == 0
    result = _run(project, ("call", "fetch", "census", "--layer", "raw"))
    assert result.returncode == 0, result.stderr
    assert '"greeting": "café"' in result.stdout


def test_output_into_a_closed_pipe_ends_quietly(baked_project: Path, project_copy) -> None:
    project = project_copy(baked_project)
    # 'invoke list | head -1': the reader goes away after one line
    process = subprocess.Popen(
        [sys.executable, "-m", "invoke", "run", "census", "--layer", "raw"],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 141
    assert stderr == ""


def test_outside_a_project(tmp_path: Path) -> None:
    (tmp_path / "tasks.py").write_text("from dorc_runtime.tasks import namespace  # noqa: F401\n")
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "validate"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: {tmp_path.resolve()} is not inside a dorc config repository")
    assert "Fix: cd into the project that cookiecutter generated" in result.stderr

