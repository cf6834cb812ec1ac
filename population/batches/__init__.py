"""Headless population batches: plan (sweep file to runs), execute (processes or Dask),
store (the batch folder, resumable), summarize (across seeds, with intervals)."""
