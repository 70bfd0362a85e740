"""A stand-in ``pulumi`` executable that keeps state between calls, and the helpers tests read it with.

No Pulumi CLI can be installed here, so :func:`install` puts a tiny script named ``pulumi`` first on
``PATH``; it runs :func:`main` of this module (started with ``python -S`` so each call costs
little: the standard library only, apart from grpc for the event stream of CLIs from 3.206). It plays the CLI's side of the Automation API protocol exactly as
``pulumi.automation`` (``LocalWorkspace``, ``Stack``, ``PulumiCommand``) invokes it:

* ``version`` -> ``v3.200.0`` (``STANDIN_VERSION`` overrides it): up to 3.205 the Automation API
  passes a file as ``--event-log`` and reads the engine events from it; from 3.206 it passes
  ``tcp://<address>`` and the stand-in streams the same events to its gRPC Events service.
* ``stack select --stack S`` (``no stack named 'S' found`` when missing), ``stack init S
  [--secrets-provider passphrase]``, ``stack ls --json [--all]``, ``stack rm --yes S``,
  ``stack tag ls --json|get|set|rm``, ``stack output --json [--show-secrets]``,
  ``stack history --json ...`` (what ``Stack.up``/``destroy`` read after the operation),
  ``stack export``.
* ``up``/``preview``/``destroy``: write an engine event log (one resource step per resource, a
  summary event, the closing cancel event) and change the stack's resource count; ``up`` and
  ``destroy`` hold a **lock per stack** while they run: a file under
  ``.pulumi/locks/organization/<project>/<stack>/`` in the backend folder, where Pulumi's file
  backend keeps its locks; a second update of a locked stack fails with Pulumi's own words ("the
  stack is currently locked by 1 lock(s)"), which the Automation API maps to ``ConcurrentUpdateError``.
* ``cancel --yes --stack S``: deletes the stack's lock files, as the file backend's cancel does.
* ``stack init --secrets-provider passphrase`` keeps a salt that ``stack export`` returns under
  ``secrets_providers`` (as the state does); every stack exports one secret output, masked in
  ``stack output`` unless ``--show-secrets``.

With ``STANDIN_CALL_LOG`` set, every call also appends its argv, folder, the variables dorc sets and
the ``Pulumi.*`` files in its folder to that file, for tests of the wiring.

State lives in the backend folder (``PULUMI_BACKEND_URL=file://<folder>``), so a fresh workspace,
runner or process sees what an earlier call recorded: ``.standin/stacks/<project>/<stack>.json``
(tags, resource count, outputs, history) and ``.standin/record.jsonl``, one line per operation
start and end with wall-clock timestamps (tests compute the concurrency observed from them).

Knobs, by environment variable, naming a stack as ``<project>/<stack>``:
``STANDIN_FAIL_UP`` (comma-separated): that ``up`` fails like a provider error, after taking the lock;
``STANDIN_SLEEP_UP`` (``<project>/<stack>=<seconds>,...``): that ``up`` takes so long (before it fails, if
it fails);
``STANDIN_HANG_UP``: that ``up`` runs until its lock is removed (by ``pulumi cancel``), then fails
as a cancelled update; if nobody cancels it within :data:`HANG_SECONDS` it exits and leaves the lock
behind, as a killed CLI does. Every other ``up`` takes ~no time.

What it does NOT play: it never runs the Pulumi program (no language host, no providers, no AWS);
its resources are a fixed count per stack, written to the event log, not what the program declares;
config commands, ``Pulumi.<stack>.yaml`` (the real CLI writes the passphrase's salt there on
``stack init``), secrets encryption, refresh, imports, other backends and the state format.
Any command not listed above fails loudly (exit 2), so a new call dorc makes shows up as a gap here
rather than as a silent success.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import sysconfig
import time
import uuid
from pathlib import Path

VERSION = "v3.200.0"
RESOURCES = ("bucket", "role", "state-machine")  # what every stack "holds" after an up
LOCKED = (
    "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end "
    "or delete the lock file with `pulumi cancel`.\n"
)
ORGANIZATION = "organization"
LOGGED_ENV = ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "DORC_ENVIRONMENT", "PYTHONPATH", "AWS_REGION", "PULUMI_PYTHON_CMD")
SECRET_OUTPUT = ("token", "hunter2")  # every stack exports one secret output, masked unless asked
HANG_SECONDS = 30  # a hanging up nobody cancels gives up then, leaving its lock as a killed CLI would


# -- the executable -------------------------------------------------------------------------------
def install(bin_dir: Path) -> Path:
    """Write ``bin_dir/pulumi``; the caller puts ``bin_dir`` first on ``PATH``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "pulumi"
    script.write_text(
        f"#!{sys.executable} -S\n"
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        # -S skips site-packages; only the gRPC event stream needs them (grpc, protobuf)
        f"sys.path.append({sysconfig.get_paths()['purelib']!r})\n"
        "import standin_pulumi\n"
        "sys.exit(standin_pulumi.main(sys.argv[1:]))\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def main(argv: list[str]) -> int:
    if os.environ.get("STANDIN_CALL_LOG"):
        log_call(Path(os.environ["STANDIN_CALL_LOG"]), argv)
    args = [a for a in argv if a != "--non-interactive"]
    if args == ["version"]:
        print(os.environ.get("STANDIN_VERSION", VERSION))
        return 0
    cli = Cli(args, backend_folder(), project_name(Path.cwd()))
    command = cli.command()
    if command is None:
        sys.stderr.write(f"stand-in pulumi: unsupported command {' '.join(argv)!r}\n")
        return 2
    return command()


def log_call(path: Path, argv: list[str]) -> None:
    """One line per call: argv, folder, the variables dorc sets and the Pulumi files Pulumi reads."""
    cwd = Path.cwd()
    entry = {
        "args": argv,
        "cwd": str(cwd),
        "env": {name: os.environ.get(name) for name in LOGGED_ENV},
        "files": {p.name: p.read_text() for p in sorted(cwd.glob("Pulumi.*"))},
    }
    with open(path, "a") as log:
        log.write(json.dumps(entry) + "\n")


def backend_folder() -> Path:
    url = os.environ.get("PULUMI_BACKEND_URL", "")
    if not url.startswith("file://"):
        sys.stderr.write(f"stand-in pulumi: only file:// backends are played, not {url!r}\n")
        sys.exit(2)
    return Path(url.removeprefix("file://"))


def project_name(work_dir: Path) -> str:
    for line in (work_dir / "Pulumi.yaml").read_text().splitlines():
        if line.startswith("name:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit("stand-in pulumi: Pulumi.yaml has no name")


def _stack_flag(args: list[str]) -> str | None:
    return args[args.index("--stack") + 1] if "--stack" in args else None


def _named(variable: str) -> set[str]:
    return {name.strip() for name in os.environ.get(variable, "").split(",") if name.strip()}


def _sleeps() -> dict[str, float]:
    pairs = (item.split("=") for item in os.environ.get("STANDIN_SLEEP_UP", "").split(",") if "=" in item)
    return {name.strip(): float(seconds) for name, seconds in pairs}


class Cli:
    def __init__(self, args: list[str], backend: Path, project: str) -> None:
        self.args = args
        self.state = State(backend)
        self.project = project
        self.stack = _stack_flag(args)

    def command(self):  # noqa: ANN201
        a = self.args
        table = {
            ("stack", "select"): self.select,
            ("stack", "init"): self.init,
            ("stack", "ls"): self.ls,
            ("stack", "rm"): self.rm,
            ("stack", "output"): self.output,
            ("stack", "history"): self.history,
            ("stack", "export"): self.export,
            ("stack", "tag"): self.tag,
            ("up",): self.up,
            ("preview",): self.preview,
            ("destroy",): self.destroy,
            ("cancel",): self.cancel,
        }
        return table.get(tuple(a[:2])) or table.get(tuple(a[:1]))

    @property
    def key(self) -> str:
        return f"{self.project}/{self.stack}"

    def _require(self) -> dict | None:
        stack = self.state.read(self.project, self.stack)
        if stack is None:
            sys.stderr.write(f"error: no stack named '{self.stack}' found\n")
        return stack

    # -- stacks -----------------------------------------------------------------------------------
    def select(self) -> int:
        return 0 if self._require() is not None else 255

    def init(self) -> int:
        self.stack = self.args[2]
        if self.state.read(self.project, self.stack) is not None:
            sys.stderr.write(f"error: stack '{self.stack}' already exists\n")
            return 255
        salt = f"v1:{uuid.uuid4().hex[:12]}:v1:standin" if "passphrase" in self.args else None
        self.state.write(self.project, self.stack, new_stack(salt=salt))
        return 0

    def ls(self) -> int:
        include_all = "--all" in self.args
        rows = []
        for project, stack, data in self.state.stacks():
            if include_all or project == self.project:
                name = f"{ORGANIZATION}/{project}/{stack}" if include_all else stack
                rows.append({"name": name, "current": False, "resourceCount": data["resources"]})
        print(json.dumps(rows))
        return 0

    def rm(self) -> int:
        self.stack = self.args[-1]
        return 0 if self.state.remove(self.project, self.stack) else 255

    def output(self) -> int:
        stack = self._require()
        if stack is None:
            return 255
        outputs = dict(stack["outputs"])
        if outputs and "--show-secrets" not in self.args:
            outputs[SECRET_OUTPUT[0]] = "[secret]"
        print(json.dumps(outputs))
        return 0

    def history(self) -> int:
        stack = self._require()
        if stack is None:
            return 255
        print(json.dumps(list(reversed(stack["history"]))[:1] if "--page-size" in self.args else stack["history"]))
        return 0

    def export(self) -> int:
        stack = self._require()
        if stack is None:
            return 255
        deployment: dict = {"resources": stack["resources"]}
        if stack.get("salt"):  # the passphrase provider keeps its salt in the state too
            deployment["secrets_providers"] = {"type": "passphrase", "state": {"salt": stack["salt"]}}
        print(json.dumps({"version": 3, "deployment": deployment}))
        return 0

    def tag(self) -> int:
        stack = self._require()
        if stack is None:
            return 255
        verb, rest = self.args[2], self.args[3:]
        tags = {"pulumi:project": self.project, **stack["tags"]}
        if verb == "ls":
            print(json.dumps(tags))
        elif verb == "get":
            if rest[0] not in tags:
                sys.stderr.write(f"error: stack tag '{rest[0]}' not found\n")
                return 255
            print(tags[rest[0]])
        elif verb == "set":
            stack["tags"][rest[0]] = rest[1]
            self.state.write(self.project, self.stack, stack)
        elif verb == "rm":
            stack["tags"].pop(rest[0], None)
            self.state.write(self.project, self.stack, stack)
        else:
            return 2
        return 0

    # -- operations -------------------------------------------------------------------------------
    def up(self) -> int:
        return self._update("up", "create")

    def destroy(self) -> int:
        return self._update("destroy", "delete")

    def preview(self) -> int:
        stack = self._require()
        if stack is None:
            return 255
        started = time.time()
        self.state.record({"op": "preview", "stack": self.key, "event": "start", "t": started})
        self._event_log(started, "same" if stack["resources"] else "create")
        self.state.record({"op": "preview", "stack": self.key, "event": "end", "result": "succeeded", "t": time.time()})
        return 0

    def _update(self, op: str, verb: str) -> int:
        stack = self._require()
        if stack is None:
            return 255
        lock = self.state.lock(self.project, self.stack)
        if lock is None:
            sys.stderr.write(LOCKED)
            return 255
        started = time.time()
        self.state.record({"op": op, "stack": self.key, "event": "start", "t": started})
        result, release = "succeeded", True
        try:
            if op == "up" and self.key in _named("STANDIN_HANG_UP"):
                deadline = started + HANG_SECONDS
                while lock.exists() and time.time() < deadline:  # until `pulumi cancel` deletes it
                    time.sleep(0.05)
                cancelled = not lock.exists()
                result = "cancelled" if cancelled else "abandoned"
                self._event_log(started, failure="update canceled" if cancelled else "killed")
                release = cancelled  # as if killed when nobody cancelled: the lock stays behind
            elif op == "up" and self.key in _named("STANDIN_FAIL_UP"):
                time.sleep(_sleeps().get(self.key, 0.0))
                result = "failed"
                self._event_log(started, failure=f"aws:s3/bucketV2:BucketV2 resource '{RESOURCES[0]}': AccessDenied")
            else:
                time.sleep(_sleeps().get(self.key, 0.0) if op == "up" else 0.0)
                step = verb if op == "destroy" or not stack["resources"] else "same"
                changes = self._event_log(started, step)
                stack["resources"] = 0 if op == "destroy" else len(RESOURCES)
                stack["outputs"] = {} if op == "destroy" else {"stack": self.key, SECRET_OUTPUT[0]: SECRET_OUTPUT[1]}
                stack["history"].append(_history(op, started, changes))
                self.state.write(self.project, self.stack, stack)
        finally:
            if release:
                lock.unlink(missing_ok=True)
            self.state.record({"op": op, "stack": self.key, "event": "end", "result": result, "t": time.time()})
        if result != "succeeded":
            sys.stderr.write(f"error: {'update canceled' if result == 'cancelled' else 'update failed'}\n")
            return 255
        return 0

    def cancel(self) -> int:
        locks = self.state.locks(self.project, self.stack)
        for lock in locks:
            lock.unlink(missing_ok=True)
        self.state.record({"op": "cancel", "stack": self.key, "event": "done", "locks": len(locks), "t": time.time()})
        return 0

    def _event_log(self, started: float, step: str = "create", failure: str | None = None) -> dict[str, int]:
        """The engine's events: each resource's step (or the first one failing, with its error),
        the summary, and the closing cancel event: the engine writes it however the operation
        ends, and the Automation API waits (up to 5 s) for it before returning."""
        events: list[dict] = []
        for name in RESOURCES[:1] if failure else RESOURCES:
            urn = f"urn:pulumi:{self.stack}::{self.project}::standin:index:Resource::{name}"
            metadata = {"op": step, "urn": urn, "type": "standin:index:Resource"}
            events.append({"resourcePreEvent": {"metadata": metadata}})
            events.append({"resOpFailedEvent": {"metadata": metadata, "status": 0, "steps": 0}} if failure else {"resOutputsEvent": {"metadata": metadata}})
        if failure:
            events.append({"diagnosticEvent": {"message": failure, "color": "never", "severity": "error"}})
            print(f"Diagnostics:\n  {self.project}-{self.stack}:\n    error: {failure}")  # the CLI's closing section
        changes = {} if failure else {step: len(RESOURCES)}
        events.append({"summaryEvent": {"maybeCorrupt": False, "durationSeconds": 0, "resourceChanges": changes, "PolicyPacks": {}}})
        events.append({"cancelEvent": {}})
        lines = [{"sequence": n, "timestamp": int(started), **event} for n, event in enumerate(events, 1)]
        destination = self.args[self.args.index("--event-log") + 1] if "--event-log" in self.args else None
        if destination is not None and destination.startswith("tcp://"):
            _stream_events(destination.removeprefix("tcp://"), lines)
        elif destination is not None:
            with open(destination, "a") as log:
                log.writelines(json.dumps(line) + "\n" for line in lines)
        return changes


def _stream_events(address: str, lines: list[dict]) -> None:
    """From CLI 3.206 the Automation API passes ``--event-log tcp://<address>`` and serves
    ``pulumirpc.Events/StreamEvents``: one ``EventRequest`` (a JSON engine event) per event on a
    client stream. The generated messages are loaded from the SDK's file, without importing the
    ``pulumi`` package (seconds per call)."""
    import importlib.util

    import grpc
    from google.protobuf import empty_pb2

    package = importlib.util.find_spec("pulumi")
    assert package is not None and package.submodule_search_locations
    source = Path(package.submodule_search_locations[0]) / "runtime" / "proto" / "events_pb2.py"
    spec = importlib.util.spec_from_file_location("standin_events_pb2", source)
    assert spec is not None and spec.loader is not None
    events_pb2 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(events_pb2)
    with grpc.insecure_channel(address) as channel:
        stream = channel.stream_unary(
            "/pulumirpc.Events/StreamEvents",
            request_serializer=events_pb2.EventRequest.SerializeToString,
            response_deserializer=empty_pb2.Empty.FromString,
        )
        stream(iter([events_pb2.EventRequest(event=json.dumps(line)) for line in lines]))


def new_stack(resources: int = 0, salt: str | None = None) -> dict:
    """A stack as the stand-in stores it (tests seed the backend with these)."""
    return {"tags": {}, "resources": resources, "outputs": {}, "history": [], "salt": salt}


def _history(op: str, started: float, changes: dict[str, int]) -> dict:
    def stamp(t: float) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))

    kind = "update" if op == "up" else op
    return {
        "kind": kind, "startTime": stamp(started), "endTime": stamp(time.time()), "message": "",
        "environment": {}, "config": {}, "result": "succeeded", "resourceChanges": changes,
    }


# -- the backend folder ---------------------------------------------------------------------------
class State:
    """What the stand-in keeps in the backend folder; tests read it through the same class."""

    def __init__(self, backend: Path) -> None:
        self.backend = backend
        self.root = backend / ".standin"

    def _path(self, project: str, stack: str) -> Path:
        return self.root / "stacks" / project / f"{stack}.json"

    def read(self, project: str, stack: str | None) -> dict | None:
        path = self._path(project, stack or "")
        return json.loads(path.read_text()) if stack and path.is_file() else None

    def write(self, project: str, stack: str, data: dict) -> None:
        path = self._path(project, stack)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        temporary.write_text(json.dumps(data))
        temporary.replace(path)  # readers in other processes never see half a file

    def remove(self, project: str, stack: str) -> bool:
        path = self._path(project, stack)
        if not path.is_file():
            return False
        path.unlink()
        return True

    def stacks(self) -> list[tuple[str, str, dict]]:
        found = []
        for path in sorted((self.root / "stacks").glob("*/*.json")):
            found.append((path.parent.name, path.stem, json.loads(path.read_text())))
        return found

    def lock_dir(self, project: str, stack: str | None) -> Path:
        return self.backend / ".pulumi" / "locks" / ORGANIZATION / project / (stack or "")

    def locks(self, project: str, stack: str | None) -> list[Path]:
        folder = self.lock_dir(project, stack)
        return sorted(folder.glob("*.json")) if folder.is_dir() else []

    def all_locks(self) -> list[Path]:
        return sorted((self.backend / ".pulumi" / "locks").rglob("*.json"))

    def lock(self, project: str, stack: str | None) -> Path | None:
        """Take the stack's lock, or None when another operation holds one."""
        folder = self.lock_dir(project, stack)
        folder.mkdir(parents=True, exist_ok=True)
        if self.locks(project, stack):
            return None
        lock = folder / f"{uuid.uuid4()}.json"
        lock.write_text(json.dumps({"pid": os.getpid(), "timestamp": time.time()}))
        if len(self.locks(project, stack)) > 1:  # two took it at once: both give way, as a conflict
            lock.unlink()
            return None
        return lock

    def record(self, entry: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        # one short write with O_APPEND: lines from concurrent processes do not interleave
        fd = os.open(self.root / "record.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(fd, (json.dumps(entry) + "\n").encode())
        finally:
            os.close(fd)

    # -- for tests ----------------------------------------------------------------------------------
    def entries(self) -> list[dict]:
        path = self.root / "record.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []

    def operations(self, op: str) -> list[dict]:
        """Every finished ``op`` as ``{"stack", "start", "end", "result"}``, in start order."""
        starts: dict[str, list[float]] = {}
        finished = []
        for entry in self.entries():
            if entry["op"] != op:
                continue
            if entry["event"] == "start":
                starts.setdefault(entry["stack"], []).append(entry["t"])
            else:
                start = starts[entry["stack"]].pop(0)
                finished.append({"stack": entry["stack"], "start": start, "end": entry["t"], "result": entry["result"]})
        return sorted(finished, key=lambda o: o["start"])

    def tags(self, project: str, stack: str) -> dict[str, str]:
        data = self.read(project, stack)
        return dict(data["tags"]) if data else {}


def max_overlap(operations: list[dict]) -> int:
    """The most operations running at one instant, from their start and end timestamps."""
    edges = sorted([(o["start"], 1) for o in operations] + [(o["end"], -1) for o in operations])
    # at equal times an end sorts before a start (-1 < 1): touching intervals do not overlap
    now = peak = 0
    for _, step in edges:
        now += step
        peak = max(peak, now)
    return peak


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
