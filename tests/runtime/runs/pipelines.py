"""Small pipelines whose steps log each call to a file and fail while a 'broken-<name>' file exists
next to that log: a run fails, the test removes the file (the fix), and the resumed run succeeds."""

from __future__ import annotations

from pathlib import Path

STEP = """
import time
from pathlib import Path

def handler(event, context):
    log = Path(event["log"])
    name = "{name}" + (str(event["n"]) if "n" in event else "")
    with log.open("a") as out:
        out.write(name + "\\n")
    print(f"{{name}} ran")
    if (log.parent / f"broken-{{name}}").exists():
        # the other branches / items start (each in a sandbox of its own, which may take a while on a
        # loaded machine) and finish first: what succeeded is then known, not left to timing
        peers = set(event.get("peers", [])) - {{name}}
        waited = time.monotonic() + 60
        while not peers <= set(log.read_text().split()) and time.monotonic() < waited:
            time.sleep(0.05)
        time.sleep(1.0)
        raise RuntimeError(f"{{name}} is broken")
    return {{**event, "done": name}}
"""

FIRST = """
def handler(event, context):
    print("first ran")
    open(event["log"], "a").write("first\\n")
    items = [f"each{n}" for n in range(4)]  # a Map's items; the Parallel's branches get the top level
    return {"log": event["log"], "peers": ["left", "right", "middle"],
            "items": [{"n": n, "log": event["log"], "peers": items} for n in range(4)]}
"""

LAST = """
def handler(event, context):
    log = event["log"] if isinstance(event, dict) else event[0]["log"]
    open(log, "a").write("last\\n")
    return {"finished": True}
"""


def map_pipeline(project) -> None:  # noqa: ANN001 - a ProjectBuilder
    project.pipeline(
        "raw", "fanout",
        'Function(name="first", next_function="each"), '
        'Function(name="each", map=MapSettings(items_path="$.items", max_concurrency=2))',
        {"first": FIRST, "each": STEP.format(name="each")},
    )
    main = project.root / "src" / "raw" / "fanout" / "__main__.py"
    main.write_text("from dorc_runtime import MapSettings\n" + main.read_text())


def parallel_pipeline(project) -> None:  # noqa: ANN001
    project.pipeline(
        "raw", "split",
        'Function(name="first", next_function=["left", "right", "middle"]), '
        'Function(name="left"), Function(name="right"), Function(name="middle")',
        {"first": FIRST, **{n: STEP.format(name=n) for n in ("left", "right", "middle")}},
    )


def calls(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []
