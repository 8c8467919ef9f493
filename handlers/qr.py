"""QR codes as PNG images, e.g. a centre's daily check-in code to print and put up at the door.

Made with segno (pure Python, no image library needed), so the core stays free of I/O.
"""

from __future__ import annotations

import io

import segno


def qr_png(text: str, *, scale: int = 12, border: int = 4) -> bytes:
    """`text` as a QR code PNG: medium error correction, `scale` pixels a module, quiet border."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()
