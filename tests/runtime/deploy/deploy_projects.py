"""Write small dorc config repositories for deploy tests and the plan benchmark.

The files mirror what the template generates (project_settings.py, universal/ and infra/
programs, a Dockerfile, pipelines with functions), so the REAL programs run under the mocks.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

DOCKERFILE = """\
FROM public.ecr.aws/lambda/python:3.12
COPY requirements.txt ${LAMBDA_TASK_ROOT}/global-requirements.txt
RUN pip install --no-cache-dir -r ${LAMBDA_TASK_ROOT}/global-requirements.txt
ARG PIPELINE_PATH
COPY ${PIPELINE_PATH}/requirements.txt ${LAMBDA_TASK_ROOT}/requirements.txt
RUN pip install --no-cache-dir -r ${LAMBDA_TASK_ROOT}/requirements.txt
ARG CODE_PATH
COPY ${CODE_PATH}/ ${LAMBDA_TASK_ROOT}/
CMD ["lambda.handler"]
"""

UNIVERSAL_MAIN = """\
from project_settings import UNIVERSAL

if __name__ == "__main__":
    from dorc_runtime import CreateUniversal

    CreateUniversal(UNIVERSAL).apply()
"""

INFRA_MAIN = """\
from project_settings import config

if __name__ == "__main__":
    from dorc_runtime import CreateInfra

    CreateInfra(config()).apply()
"""

HANDLER = """\
def handler(event, context):
    return {**event, "seen": FUNCTION}

FUNCTION = NAME
"""


@dataclass
class PipelineSpec:
    layer: str
    name: str
    functions: list[str]
    # the PipelineDefinition(...) keyword arguments after file_path, as Python source
    body: str | None = None
    requirements: str | None = None

    def source(self) -> str:
        body = self.body or "functions=[{}],".format(
            ", ".join(
                f'Function(name="{fn}", next_function="{nxt}")' for fn, nxt in zip(self.functions, self.functions[1:], strict=False)
            )
            + (", " if len(self.functions) > 1 else "")
            + f'Function(name="{self.functions[-1]}")'
        )
        return textwrap.dedent(
            """\
            from dorc_runtime import *  # noqa: F403
            from project_settings import config

            pipeline_definition = PipelineDefinition(
                file_path=__file__,
                {body}
            )

            if __name__ == "__main__":
                CreatePipeline(config(), pipeline_definition).apply()
            """
        ).format(body=body)


@dataclass
class ProjectSpec:
    slug: str = "acme-data"
    region: str = "eu-west-2"
    account: str | None = "111122223333"
    environments: tuple[str, ...] = ("preprod", "prod")
    # extra Config(...) keyword arguments per environment, as Python source
    config_extra: dict[str, str] = field(default_factory=dict)
    pipelines: list[PipelineSpec] = field(default_factory=list)


def settings_source(spec: ProjectSpec) -> str:
    envs = "\n".join(
        f'    "{env}": Config(universal=UNIVERSAL{", " + spec.config_extra[env] if env in spec.config_extra else ""}),'
        for env in spec.environments
    )
    return textwrap.dedent(
        """\
        from dorc_runtime import Config, UniversalConfig
        from dorc_runtime.environment import select

        UNIVERSAL = UniversalConfig(
            region={region!r},
            project={slug!r},
            account={account!r},
            tags={{"project": {slug!r}}},
            environments={envs_tuple!r},
        )

        ENVIRONMENTS = {{
        {envs}
        }}


        def config(environment=None):
            return select(ENVIRONMENTS, environment)
        """
    ).format(region=spec.region, slug=spec.slug, account=spec.account, envs_tuple=spec.environments, envs=envs)


def write_pipeline(root: Path, pipeline: PipelineSpec) -> Path:
    folder = root / "src" / pipeline.layer / pipeline.name
    for fn in pipeline.functions:
        (folder / "src" / fn).mkdir(parents=True, exist_ok=True)
        (folder / "src" / fn / "lambda.py").write_text(HANDLER.replace("NAME", repr(fn)))
    (folder / "__main__.py").write_text(pipeline.source())
    if pipeline.requirements is not None:
        (folder / "requirements.txt").write_text(pipeline.requirements)
    return folder


def write_project(root: Path, spec: ProjectSpec) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "project_settings.py").write_text(settings_source(spec))
    (root / "Dockerfile").write_text(DOCKERFILE)
    (root / "requirements.txt").write_text("")
    for folder, main in (("universal", UNIVERSAL_MAIN), ("infra", INFRA_MAIN)):
        (root / folder).mkdir(exist_ok=True)
        (root / folder / "__main__.py").write_text(main)
    (root / "src").mkdir(exist_ok=True)
    for pipeline in spec.pipelines:
        write_pipeline(root, pipeline)
    return root


def census_pipelines() -> list[PipelineSpec]:
    """Two layers, a cron trigger, an S3 trigger, a downstream pipeline, Express, zip and arm64."""
    return [
        PipelineSpec(
            "raw",
            "census",
            ["fetch", "validate", "publish"],
            body="""functions=[
                    Function(name="fetch", next_function="validate", memory_mb=1024, timeout_seconds=600),
                    Function(name="validate", next_function="publish", reserved_concurrency=2, environment={"MODE": "strict"}),
                    Function(name="publish", next_function=NextFunction(name="census", type=NextFunctionTypes.PIPELINE, layer="processed")),
                ],
                trigger=CronTrigger(expression="cron(0 6 * * ? *)", input={"year": 2021}),""",
            requirements="",
        ),
        PipelineSpec(
            "processed",
            "census",
            ["aggregate", "publish"],
            body="""functions=[
                    Function(name="aggregate", next_function="publish", architecture="arm64"),
                    Function(name="publish", package_type="zip"),
                ],
                trigger=S3Trigger(prefix="census/raw/", suffix=".csv"),""",
        ),
        PipelineSpec(
            "processed",
            "quick",
            ["one"],
            body="""functions=[Function(name="one")],
                type="EXPRESS",""",
        ),
    ]


def census_project(root: Path, **overrides) -> Path:
    spec = ProjectSpec(pipelines=census_pipelines(), **overrides)
    return write_project(root, spec)


def many_pipelines(count: int, functions: int) -> Iterable[PipelineSpec]:
    for index in range(count):
        yield PipelineSpec(f"layer{index % 4}", f"pipeline{index:03d}", [f"step{n}" for n in range(functions)])
