"""The project's settings: the ONE place its values live.

universal/, infra/ and every pipeline import from here, so a value is never written twice.
Per-environment values (VPC, subnets, extra role policies, failure e-mails, log retention)
go into that environment's ``Config(...)`` below; every field is described in
dorc_runtime/models/config.py, e.g. ``Config(universal=UNIVERSAL, vpc_id="vpc-0abc",
private_subnet_ids=("subnet-0abc",))``.
"""

from dorc_runtime import Config, UniversalConfig
from dorc_runtime.environment import select

UNIVERSAL = UniversalConfig(
    region={{ cookiecutter.aws_region | tojson }},
    project={{ cookiecutter.project_slug | tojson }},
    account={{ (cookiecutter.aws_account_id | tojson) if cookiecutter.aws_account_id else "None" }},
    tags={"project": {{ cookiecutter.project_slug | tojson }}, "managed-by": "dorc"},
    environments=(
{%- for env in cookiecutter.environments.split(",") if env.strip() %}
        {{ env.strip() | tojson }},
{%- endfor %}
    ),
    python_version={{ cookiecutter.python_version | tojson }},
    timezone="UTC",  # IANA zone of cron triggers that name none, e.g. "Europe/London"
)

ENVIRONMENTS: dict[str, Config] = {
{%- for env in cookiecutter.environments.split(",") if env.strip() %}
    {{ env.strip() | tojson }}: Config(universal=UNIVERSAL),
{%- endfor %}
}


def config(environment: str | None = None) -> Config:
    """The settings of one environment: the argument, else DORC_ENVIRONMENT, else the Pulumi
    stack's ``environment`` (set in each Pulumi.<env>.yaml)."""
    return select(ENVIRONMENTS, environment)
