"""The composition root and the edges: configuration, CLI, transports, scheduling."""
