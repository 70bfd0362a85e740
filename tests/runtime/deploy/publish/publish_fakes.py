"""In-memory seams for the publisher: an engine and a registry that record what they are asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class FakeEngine:
    images: dict[str, dict] = field(default_factory=dict)  # local ref -> what it was built from
    builds: list[tuple[str, str]] = field(default_factory=list)  # (ref, platform)
    pushes: list[str] = field(default_factory=list)

    def has_image(self, ref: str) -> bool:
        return ref in self.images

    def build(self, context: Path, ref, platform, build_args) -> None:
        files = sorted(p.relative_to(context).as_posix() for p in context.rglob("*") if p.is_file())
        self.images[ref] = {"files": files, "platform": platform, "build_args": dict(build_args)}
        self.builds.append((ref, platform))

    def push(self, ref, repository_url, tag, auth) -> None:
        assert ref in self.images, "pushes only what it built"
        self.pushes.append(f"{repository_url}:{tag}")


@dataclass
class FakeRegistry:
    tags: dict[str, set[str]] = field(default_factory=dict)

    def repository_url(self, repository: str) -> str:
        return f"registry.example/{repository}"

    def has_tag(self, repository: str, tag: str) -> bool:
        return tag in self.tags.get(repository, set())

    def auth(self) -> dict[str, str]:
        return {"username": "AWS", "password": "token"}

    def take(self, engine: FakeEngine) -> None:
        """What the engine pushed is now in the registry."""
        for uri in engine.pushes:
            repository, tag = uri.removeprefix("registry.example/").rsplit(":", 1)
            self.tags.setdefault(repository, set()).add(tag)
