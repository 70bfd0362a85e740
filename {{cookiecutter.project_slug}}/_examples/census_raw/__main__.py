"""census (raw): stage the census sample, validate it and publish it to the holding store.

The processed census pipeline reads what ``publish`` writes (``census/raw/<year>.csv``).
Run it locally with ``invoke run census --event '{"year": 2021}'`` (add ``--layer`` if another
layer has a ``census`` pipeline too).
"""

from dorc_runtime import Function, PipelineDefinition
from project_settings import config

pipeline_definition = PipelineDefinition(
    file_path=__file__,
    description="Stages the census sample, validates it and publishes it to the holding store",
    functions=[
        Function(name="fetch", next_function="validate"),
        Function(name="validate", next_function="publish"),
        Function(name="publish"),
    ],
)

if __name__ == "__main__":
    from dorc_runtime import CreatePipeline

    CreatePipeline(config(), pipeline_definition).apply()
