"""Deploy: Pulumi components behind CreateUniversal / CreateInfra / CreatePipeline, pure IAM and
package builders, the offline plan (``plan.py``) and the Automation API stacks (``automation/``).

Import-light on purpose: nothing here imports Pulumi until a submodule that needs it is used.
"""
