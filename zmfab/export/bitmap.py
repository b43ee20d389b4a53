"""Two-level bitmaps for drop-on-demand printers: PNG and TIFF, with the DPI set, and readers.

A drop is a black pixel: in the PNG (1-bit greyscale) black is 0, in the TIFF (baseline
bilevel, uncompressed, ``PhotometricInterpretation = WhiteIsZero``) black is 1. The resolution
is the drop spacing: PNG ``pHYs`` in pixels per metre, TIFF X/YResolution per inch (20 µm =
1270 dpi = 50 000 px/m). Both are written with numpy and zlib only: a 1-bit image is a few
dozen lines of either format, so no imaging library is needed (Pillow reads them back in tests).
"""

from __future__ import annotations

import struct
import zlib
from fractions import Fraction

import numpy as np

from ..errors import ParameterError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(grid: np.ndarray, *, dpi: float) -> bytes:
    """A 1-bit greyscale PNG of ``grid`` (True = drop = black) at ``dpi``."""
    rows, cols = grid.shape
    packed = np.packbits(~grid.astype(bool), axis=1)  # 1 = white
    raw = np.hstack([np.zeros((rows, 1), dtype=np.uint8), packed]).tobytes()  # filter 0 per row
    ppm = round(dpi / 0.0254)
    return (PNG_SIGNATURE
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", cols, rows, 1, 0, 0, 0, 0))
            + _chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1))
            + _chunk(b"IDAT", zlib.compress(raw, 9))
            + _chunk(b"IEND", b""))


def read_png(data: bytes) -> tuple[np.ndarray, float]:
    """(grid with True = black, dpi) of a 1-bit greyscale PNG written by :func:`png_bytes`."""
    if not data.startswith(PNG_SIGNATURE):
        raise ParameterError("png", "not a PNG file")
    pos, idat, dpi = 8, b"", 0.0
    width = height = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if (depth, colour) != (1, 0):
                raise ParameterError("png", f"bit depth {depth}, colour type {colour} (need a 1-bit greyscale)")
        elif kind == b"pHYs":
            ppm, _, unit = struct.unpack(">IIB", body)
            dpi = ppm * 0.0254 if unit == 1 else 0.0
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    stride = (width + 7) // 8 + 1
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, stride)
    if np.any(raw[:, 0] != 0):
        raise ParameterError("png", "only filter type 0 rows are read")
    bits = np.unpackbits(raw[:, 1:], axis=1)[:, :width]
    return bits == 0, dpi


def _rational(value: float) -> tuple[int, int]:
    f = Fraction(value).limit_denominator(10000)
    return f.numerator, f.denominator


def tiff_bytes(grid: np.ndarray, *, dpi: float) -> bytes:
    """A baseline bilevel TIFF (little-endian, one uncompressed strip) of ``grid`` at ``dpi``."""
    rows, cols = grid.shape
    image = np.packbits(grid.astype(bool), axis=1).tobytes()  # WhiteIsZero: 1 = black
    n_tags = 12
    ifd = 8
    rational_at = ifd + 2 + 12 * n_tags + 4
    image_at = rational_at + 16
    num, den = _rational(dpi)
    short, long_, rational = 3, 4, 5
    tags = [(256, long_, 1, cols), (257, long_, 1, rows), (258, short, 1, 1), (259, short, 1, 1),
            (262, short, 1, 0), (273, long_, 1, image_at), (277, short, 1, 1),
            (278, long_, 1, rows), (279, long_, 1, len(image)), (282, rational, 1, rational_at),
            (283, rational, 1, rational_at + 8), (296, short, 1, 2)]
    out = bytearray(b"II*\x00" + struct.pack("<I", ifd) + struct.pack("<H", n_tags))
    for tag, kind, count, value in tags:
        packed = struct.pack("<HH", value, 0) if kind == short else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, kind, count) + packed
    out += struct.pack("<I", 0)
    out += struct.pack("<IIII", num, den, num, den)
    return bytes(out) + image


def read_tiff(data: bytes) -> tuple[np.ndarray, float]:
    """(grid with True = black, dpi) of a bilevel uncompressed TIFF written by :func:`tiff_bytes`."""
    if data[:4] != b"II*\x00":
        raise ParameterError("tiff", "not a little-endian TIFF file")
    (ifd,) = struct.unpack("<I", data[4:8])
    (count,) = struct.unpack("<H", data[ifd:ifd + 2])
    tags: dict[int, int] = {}
    for i in range(count):
        tag, kind, _, value = struct.unpack("<HHII", data[ifd + 2 + 12 * i: ifd + 14 + 12 * i])
        tags[tag] = value & 0xFFFF if kind == 3 else value
    if tags.get(258, 1) != 1 or tags.get(259, 1) != 1:
        raise ParameterError("tiff", "only 1-bit uncompressed images are read")
    cols, rows = tags[256], tags[257]
    stride = (cols + 7) // 8
    start = tags[273]
    img = np.frombuffer(data[start:start + stride * rows], dtype=np.uint8).reshape(rows, stride)
    bits = np.unpackbits(img, axis=1)[:, :cols].astype(bool)
    num, den = struct.unpack("<II", data[tags[282]:tags[282] + 8])
    black = bits if tags.get(262, 0) == 0 else ~bits
    return black, num / den
