"""Pure rules: decisions and texts with no I/O (no unit of work, nothing awaited).

What the core does with storage is in `handlers.usecases`, which calls these.
"""
