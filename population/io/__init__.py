"""Reading and writing: run outputs and export (export), TOML (toml), figures, the progress bar.

Atomic writes live in ``addsim._files`` (the viewer uses them too).
"""
