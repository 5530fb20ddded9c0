"""An X screen as a PNG: `xwd -root` reads it from the server, Qt writes the PNG (no
ImageMagick needed). Handles the TrueColor ZPixmap dumps (4 bytes a pixel) Xvfb gives."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path


def screenshot(display: str, target: Path) -> int:
    """Save the screen as `target` (PNG); return how many distinct colours it shows (a
    window not yet painted shows one or two)."""
    dump = subprocess.run(["xwd", "-root", "-silent", "-display", display],
                          capture_output=True, check=True, timeout=60).stdout
    fields = struct.unpack(">25I", dump[:100])
    header_size, width, height = fields[0], fields[4], fields[5]
    byte_order, bytes_per_line, ncolors = fields[7], fields[12], fields[19]
    if bytes_per_line < 4 * width:  # Xvfb's depth 24 is stored in 32-bit pixels
        raise ValueError(f"xwd: {bytes_per_line} bytes a line for {width} pixels, expected 4 each")
    start = header_size + ncolors * 12
    pixels = bytearray(dump[start:start + bytes_per_line * height])
    if byte_order == 1:  # MSBFirst: ARGB bytes; QImage's RGB32 wants them little-endian
        for i in range(0, len(pixels), 4):
            pixels[i:i + 4] = pixels[i:i + 4][::-1]
    from PySide6.QtGui import QImage

    image = QImage(bytes(pixels), width, height, bytes_per_line, QImage.Format.Format_RGB32)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not image.copy().save(str(target), "PNG"):
        raise OSError(f"cannot write {target}")
    return len(set(memoryview(bytes(pixels)).cast("I")))
