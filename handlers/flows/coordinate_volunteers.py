"""Volunteers for coordinators: requests, shifts, today's coverage and no-shows, check-in code."""

from __future__ import annotations

from handlers.router import Flow

flow = Flow("cv")
