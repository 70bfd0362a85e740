"""census (processed): aggregate the published census into a curated table.

Reads what the raw census pipeline published (``census/raw/<year>.csv``; the latest year unless
the event names one) and writes ``census/curated/population_by_region_<year>.csv``.
"""

from dorc_runtime import Function, PipelineDefinition
from project_settings import config

pipeline_definition = PipelineDefinition(
    file_path=__file__,
    description="Aggregates the raw census into population by region",
    functions=[
        Function(name="aggregate", next_function="publish"),
        Function(name="publish"),
    ],
)

if __name__ == "__main__":
    from dorc_runtime import CreatePipeline

    CreatePipeline(config(), pipeline_definition).apply()
