"""The conversation core: flows, rules and ports; no messenger, web or database library."""
