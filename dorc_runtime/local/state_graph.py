"""The drawable graph of a state machine, read from its ASL (the same definition that runs).

Containers are opened up: a Parallel becomes a fork, its branches and a join; a Map becomes a
"for each item" fork, its item states and a collect node. Each container's states sit in a
cluster, so every renderer can box them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..asl.types import START_EXECUTION_SYNC


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    kind: str  # start, end, task, pipeline, fork, join, pass, choice, wait, succeed, fail
    cluster: str | None = None
    state: str = ""  # the ASL state it draws ("" for start, end and the joins)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""
    catch: bool = False


@dataclass(frozen=True)
class Cluster:
    id: str
    label: str
    parent: str | None = None


@dataclass
class StateGraph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)


START, END = "start", "end"
# node ids, not kinds: "end" is a keyword in Mermaid
START_ID, END_ID = "begin", "finish"


def from_asl(asl: Mapping[str, Any]) -> StateGraph:
    graph = StateGraph()
    graph.nodes.append(Node(START_ID, "start", START))
    builder = _Builder(graph)
    entry, exits = builder.scope(asl, None)
    graph.edges.insert(0, Edge(START_ID, entry))
    graph.nodes.append(Node(END_ID, "end", END))
    graph.edges.extend(Edge(e, END_ID) for e in exits)
    return graph


class _Builder:
    def __init__(self, graph: StateGraph) -> None:
        self.graph = graph
        self.count = 0

    def new_id(self) -> str:
        self.count += 1
        return f"s{self.count}"

    def scope(self, scope: Mapping[str, Any], cluster: str | None) -> tuple[str, list[str]]:
        """Add a scope's states; return its entry node and the nodes whose flow leaves it."""
        states: Mapping[str, Mapping[str, Any]] = scope["States"]
        entries: dict[str, str] = {name: self.new_id() for name in states}
        exits: list[str] = []
        for name, state in states.items():
            tail = self.state(name, state, entries[name], cluster)
            kind = state.get("Type")
            if kind == "Choice":
                for rule in state.get("Choices", []):
                    self.graph.edges.append(Edge(tail, entries[rule["Next"]], _condition(rule)))
                if "Default" in state:
                    self.graph.edges.append(Edge(tail, entries[state["Default"]], "default"))
            elif "Next" in state:
                self.graph.edges.append(Edge(tail, entries[state["Next"]]))
            elif kind not in ("Fail",):
                exits.append(tail)
            for catcher in state.get("Catch", []):
                label = ", ".join(catcher.get("ErrorEquals", []))
                self.graph.edges.append(Edge(tail, entries[catcher["Next"]], label, catch=True))
        return entries[scope["StartAt"]], exits

    def state(self, name: str, state: Mapping[str, Any], node_id: str, cluster: str | None) -> str:
        """Add one state; return the node its outgoing edges leave from."""
        kind = state.get("Type", "")
        nodes, edges = self.graph.nodes, self.graph.edges
        if kind == "Parallel":
            nodes.append(Node(node_id, name, "fork", cluster, name))
            join = f"{node_id}_join"
            for index, branch in enumerate(state.get("Branches", []), start=1):
                inner = self.cluster(f"{name}: branch {index}", cluster)
                entry, exits = self.scope(branch, inner)
                edges.append(Edge(node_id, entry))
                edges.extend(Edge(e, join) for e in exits)
            nodes.append(Node(join, "join", "join", cluster))
            return join
        if kind == "Map":
            items = state.get("ItemsPath", "$")
            limit = state.get("MaxConcurrency", 0)
            label = f"{name}: for each item in {items}" + (f" ({limit} at a time)" if limit else "")
            nodes.append(Node(node_id, label, "fork", cluster, name))
            processor = state.get("ItemProcessor") or state.get("Iterator") or {}
            inner = self.cluster(f"{name}: each item", cluster)
            entry, exits = self.scope(processor, inner)
            join = f"{node_id}_join"
            edges.append(Edge(node_id, entry))
            edges.extend(Edge(e, join) for e in exits)
            nodes.append(Node(join, "collect results", "join", cluster))
            return join
        if kind == "Task" and state.get("Resource") == START_EXECUTION_SYNC:
            target = str(state.get("Parameters", {}).get("StateMachineArn", "")).rsplit(":", 1)[-1]
            nodes.append(Node(node_id, f"run pipeline {target}", "pipeline", cluster, name))
            return node_id
        nodes.append(Node(node_id, name, kind.lower() or "task", cluster, name))
        return node_id

    def cluster(self, label: str, parent: str | None) -> str:
        cluster_id = f"c{len(self.graph.clusters) + 1}"
        self.graph.clusters.append(Cluster(cluster_id, label, parent))
        return cluster_id


def _condition(rule: Mapping[str, Any]) -> str:
    variable = rule.get("Variable", "")
    ops = [k for k in rule if k not in ("Variable", "Next")]
    return f"{variable} {ops[0]}" if ops else variable
