"""Viber through its REST Bot API: a thin aiohttp client, rendering to Viber's messages, the
outbox sender (and the signed webhook)."""
