"""Volunteers: offer to help, sign up for shifts, answer the day-before question, check in, hours."""

from __future__ import annotations

from handlers.router import Flow

flow = Flow("vol")
