"""Telegram rendering rules and per-person ordering, without a server."""

from __future__ import annotations

import asyncio

from bot.transports.ordering import FairQueue, pause
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
    queue, seen = FairQueue(concurrency=4, max_pending=10), []
    gate = asyncio.Event()

    def work(key, n, first=False):
        async def job():
            if first:
                await gate.wait()  # the person's first update takes long
            seen.append((key, n))

        return job

    tickets = [queue.submit("a", work("a", 1, first=True)), queue.submit("a", work("a", 2)),
               queue.submit("b", work("b", 1)), queue.submit("a", work("a", 3))]  # fmt: skip
    await tickets[2].done
    assert seen == [("b", 1)], "another person is not held up"
    gate.set()
    await queue.drain()
    assert [n for k, n in seen if k == "a"] == [1, 2, 3]
    assert [t.ahead for t in tickets] == [0, 1, 0, 2]
    assert len(queue) == 0, "queues are dropped when idle"


async def test_a_paused_job_gives_its_slot_to_another_chat():
    queue = FairQueue(concurrency=1, max_pending=10)
    waiting = asyncio.Event()

    async def rate_limited():
        waiting.set()
        await pause(3600)  # a long retry_after

    queue.submit("a", rate_limited)
    await waiting.wait()
    other = queue.submit("b", lambda: asyncio.sleep(0, result="answered"))
    assert other is not None
    assert await asyncio.wait_for(other.done, 10) == "answered"
    await queue.drain(grace=0)
