"""The terminal chat: the same conversation core, no token, no network.

Buttons are shown numbered; a person answers with the number, the button's text, a /command
or free text. `/photo` stands for sending a photo (e.g. to attach one to an announcement): the
core gets a photo whose file reference is `console-photo-<n>`; a photo the bot sends is shown
as a `[photo] <reference>` line above its text. Different user names are different people on
the same database.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TextIO

from bot.delivery import Result, Verdict
from handlers.conversation import Conversation
from handlers.messages import Button, Incoming, Kind, Outgoing

PLATFORM = "console"
PHOTO_COMMAND = "/photo"  # typed instead of attaching a picture, which a terminal cannot do
DOWNLOADS = Path("downloads")


class ConsoleChat:
    """One person talking to the bot through stdin and stdout."""

    def __init__(
        self,
        conversation: Conversation,
        user: str,
        stdin: TextIO,
        stdout: TextIO,
        *,
        lang_hint: str | None = None,
    ) -> None:
        self.conversation = conversation
        self.user = user
        self.stdin = stdin
        self.stdout = stdout
        self.lang_hint = lang_hint
        self.buttons: list[Button] = []
        self.photos = 0  # photos "sent" so far, to give each its own reference

    def to_incoming(self, line: str) -> Incoming:
        """A typed line as the core sees it: a pressed button, a photo, a command, or text."""
        text = line.strip()
        if text.casefold() == PHOTO_COMMAND:
            self.photos += 1
            ref = f"console-photo-{self.photos}"
            return Incoming(PLATFORM, self.user, self.user, Kind.PHOTO, ref, "", self.lang_hint)
        if text.isdigit() and 1 <= int(text) <= len(self.buttons):
            return self._press(self.buttons[int(text) - 1])
        for button in self.buttons:
            if text.casefold() in (button.label.casefold(), _bare(button.label).casefold()):
                return self._press(button)
        return Incoming.message(PLATFORM, self.user, text, lang_hint=self.lang_hint)

    def _press(self, button: Button) -> Incoming:
        return Incoming.button(PLATFORM, self.user, button.payload, lang_hint=self.lang_hint)

    def render(self, replies: list[Outgoing], *, more: bool = False) -> str:
        """The bot's replies as terminal text, buttons numbered across the whole answer.

        With `more`, numbering goes on from the buttons already shown, so a notice arriving
        between prompts does not change what the numbers on screen mean.
        """
        if not more:
            self.buttons = []
        blocks = []
        for out in replies:
            lines = [f"bot: {out.text}".replace("\n", "\n     ")]
            if out.photo:
                lines = [f"bot: [photo] {out.photo}", f"     {out.text}".replace("\n", "\n     ")]
            if out.location:
                loc = out.location
                lines.append(
                    f"     📍 {loc.title} — {loc.address} "
                    f"(https://www.openstreetmap.org/?mlat={loc.latitude}&mlon={loc.longitude})"
                )
            if out.document:
                DOWNLOADS.mkdir(exist_ok=True)
                path = DOWNLOADS / out.document.filename
                path.write_bytes(out.document.content)
                lines.append(f"     📎 {path}")
            for row in out.keyboard:
                cells = []
                for button in row:
                    self.buttons.append(button)
                    cells.append(f"[{len(self.buttons)}] {button.label}")
                lines.append("     " + "   ".join(cells))
            blocks.append("\n".join(lines))
        return "\n".join(blocks)

    async def say(self, line: str) -> str:
        """Send one typed line, return what the bot answered (as printed)."""
        replies = await self.conversation.handle(self.to_incoming(line))
        return self.render(replies)

    async def run(self) -> None:
        """Read lines until end of input or /quit; start the way a messenger does, with /start."""
        self._print(
            f"RE!NTEGRATE terminal chat as '{self.user}'. Numbers press buttons; "
            f"{PHOTO_COMMAND} sends a photo; /quit leaves."
        )
        self._print(await self.say("/start"))
        while True:
            self.stdout.write("you> ")
            self.stdout.flush()
            line = await asyncio.to_thread(self.stdin.readline)
            if not line or line.strip() in ("/quit", "/exit"):
                self._print("")
                return
            if not line.strip():
                continue
            self._print(await self.say(line))

    async def notify(self, out: Outgoing) -> None:
        """A message the bot sends on its own (a reminder, a notice), shown between prompts."""
        self._print("\n" + self.render([out], more=True))
        self.stdout.write("you> ")
        self.stdout.flush()

    def _print(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()


def _bare(label: str) -> str:
    """A label without its leading emoji, so typing "Settings" presses "⚙️ Settings"."""
    head, _, rest = label.partition(" ")
    return rest if rest and not head.isalnum() else label


class ConsoleOutbox:
    """The delivery worker's sender for the terminal chat: prints to the person at this terminal."""

    def __init__(self, chat: ConsoleChat) -> None:
        self.chat = chat

    async def send(self, chat_id: str, out: Outgoing) -> Result:
        """Show the message if it is for this terminal's person (the worker only claims theirs)."""
        await self.chat.notify(out)
        return Result(Verdict.SENT)
