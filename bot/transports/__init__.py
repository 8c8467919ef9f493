"""Transports: each only translates between a messenger and the core's Incoming/Outgoing."""
