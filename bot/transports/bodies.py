"""Webhook bodies read defensively: strict JSON, an object at the top, refusals in one line.

A body the platform would never send (not JSON, NaN, nested past the parser's depth, the wrong
shape) is the sender's mistake: 400, so nobody retries it, and one WARNING naming what was
wrong (a reason and the field's path, never the body's content), without a traceback.
"""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any, NoReturn

from aiohttp import web
from pydantic import ValidationError

# A field's path is logged only where its parts look like our field names or list indexes: a
# key chosen by the sender could quote what they wrote.
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")


class BadBody(Exception):
    """The body is not one the platform sends; the message is safe to log."""


def json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or BadBody: not JSON, NaN/Infinity, too deep, not an object."""
    try:
        body = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise BadBody("nested too deep") from None
    except ValueError:  # not JSON, not UTF-8, an integer past Python's digit limit, inf/NaN
        raise BadBody("not JSON") from None
    if not isinstance(body, dict):
        raise BadBody("not an object")
    return body


def invalid(exc: ValidationError) -> BadBody:
    """The first problem pydantic found, as a loggable BadBody (no input values in it)."""
    problems = exc.errors(include_url=False, include_context=False, include_input=False)
    if not problems:  # pragma: no cover (pydantic raises with at least one)
        return BadBody("invalid")
    first = problems[0]
    path = ".".join(
        str(part) if isinstance(part, int) or _FIELD.match(part) else "?" for part in first["loc"]
    )
    more = f" (+{len(problems) - 1})" if len(problems) > 1 else ""
    return BadBody(f"{path or 'body'}: {first['type']}{more}")


def refused(log: logging.Logger, platform: str, exc: BadBody) -> web.Response:
    """Log the refusal once at WARNING, without a traceback, and answer 400."""
    log.warning("webhook body refused", extra={"platform": platform, "error": str(exc)[:120]})
    return web.Response(status=400)


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _finite(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):  # 1e999 parses as inf
        raise ValueError("number out of range")
    return value
