"""Lambda-like sandboxes for local runs: each pipeline's own Python environment
(:mod:`.environments`, built with uv) and, per function, worker processes in it (:mod:`.workers`)
that run the handler as Lambda's runtime does (:mod:`.worker.loop`, stdlib only)."""
