"""The environment-agnostic infrastructure (one ECR repository per function): deployed first,
once, by `invoke deploy`. Pulumi runs this file as __main__."""

from project_settings import UNIVERSAL

if __name__ == "__main__":
    from dorc_runtime import CreateUniversal

    CreateUniversal(UNIVERSAL).apply()
