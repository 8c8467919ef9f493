"""Announcements for coordinators and admins: write, choose the audience, preview, send, report."""

from __future__ import annotations

from handlers.router import Flow

flow = Flow("bc")
