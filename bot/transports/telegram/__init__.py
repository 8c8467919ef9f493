"""Telegram through aiogram 3: translation to and from the core, polling and webhook."""
