"""`python -m bot` is the `reintegrate-bot` command."""

from bot.cli import main

if __name__ == "__main__":
    main()
