"""The per-environment infrastructure (holding store, roles, failure topic): deployed by
`invoke deploy --env <env>` before the pipelines. Pulumi runs this file as __main__; the
environment comes from the stack's Pulumi.<env>.yaml."""

from project_settings import config

if __name__ == "__main__":
    from dorc_runtime import CreateInfra

    CreateInfra(config()).apply()
