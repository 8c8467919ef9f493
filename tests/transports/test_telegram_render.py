"""Telegram rendering rules and per-person ordering, without a server."""

from __future__ import annotations

import asyncio

from bot.transports.telegram.ordering import KeyedLocks
from bot.transports.telegram.render import TEXT_LIMIT, escape, markup, split
from handlers.messages import Button


def test_plain_text_is_escaped_for_html():
    assert escape("Tom & Jerry <3 > 2") == "Tom &amp; Jerry &lt;3 &gt; 2"


def test_long_text_splits_at_line_breaks():
    lines = [f"line {i} " + "x" * 90 for i in range(100)]
    parts = split("\n".join(lines))
    assert len(parts) == 3
    assert all(len(p) <= TEXT_LIMIT for p in parts)
    assert "\n".join(parts) == "\n".join(lines), "nothing lost, cut only between lines"


def test_one_huge_line_is_cut_without_breaking_an_entity():
    text = escape("&" * 5000)
    parts = split(text)
    assert all(len(p) <= TEXT_LIMIT for p in parts)
    assert all(not p.startswith("amp;") for p in parts)
    assert "".join(parts) == text


def test_short_text_is_one_message():
    assert split("hello") == ["hello"]


def test_keyboard_rows_become_inline_rows():
    kb = markup(((Button("A", "x:a"), Button("B", "x:b")), (Button("C", "x:c"),)))
    assert kb is not None
    assert [[b.callback_data for b in row] for row in kb.inline_keyboard] == [
        ["x:a", "x:b"],
        ["x:c"],
    ]
    assert markup(()) is None


async def test_one_persons_updates_keep_their_order():
    locks, seen = KeyedLocks(), []

    async def work(key, n, delay):
        async with locks.hold(key):
            await asyncio.sleep(delay)
            seen.append((key, n))

    await asyncio.gather(work("a", 1, 0.02), work("a", 2, 0), work("b", 1, 0), work("a", 3, 0))
    assert [n for k, n in seen if k == "a"] == [1, 2, 3]
    assert seen.index(("b", 1)) < seen.index(("a", 1)), "another person is not held up"
    assert len(locks) == 0, "locks are dropped when idle"
