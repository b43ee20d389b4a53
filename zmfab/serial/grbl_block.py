"""GRBL 1.1's g-code block check, as the emulator runs it: modal groups, words, error codes."""

from __future__ import annotations

import re

from .jobscan import words

_G_OK = {0, 1, 2, 3, 4, 10, 17, 18, 19, 20, 21, 28, 30, 38.2, 38.3, 38.4, 38.5, 40, 43.1, 49, 53,
         54, 55, 56, 57, 58, 59, 61, 80, 90, 91, 90.1, 91.1, 92, 92.1, 93, 94, 28.1, 30.1}
_M_OK = {0, 1, 2, 3, 4, 5, 7, 8, 9, 30, 56}
_LETTERS = set("FIJKLNPRSTXYZ")
_WORD = re.compile(r"[A-Z][+-]?(?:\d+\.?\d*|\.\d+)")
_GROUPS = {0: 1, 1: 1, 2: 1, 3: 1, 38.2: 1, 80: 1, 90: 3, 91: 3, 20: 6, 21: 6, 93: 5, 94: 5,
           17: 2, 18: 2, 19: 2, 4: 0, 10: 0, 28: 0, 30: 0, 53: 0, 92: 0}


def parse_block(text: str, modal: dict, pos: list[float], *,
                wco: list[float] | None = None) -> tuple[int, list[float], bool, dict]:
    """Check one block against GRBL's rules: (error code or 0, target in machine mm, whether it
    moves, the modal state after it). ``modal``: motion, relative, inches, feed, spindle, power;
    ``wco``: the work coordinate offset absolute targets are shifted by."""
    ws = words(text)
    if not ws or not text[0].isalpha():
        return 1, pos, False, modal
    if _WORD.sub("", text):  # something that is not a well-formed word: bad number format
        return 2, pos, False, modal
    m = dict(modal)
    seen: set[str] = set()
    groups: set[int] = set()
    axes: dict[str, float] = {}
    for letter, v in ws:
        if letter == "G":
            g = round(v, 1)
            if g not in _G_OK:
                return 20, pos, False, modal
            grp = _GROUPS.get(g, 100 + int(g))
            if grp in groups:
                return 21, pos, False, modal
            groups.add(grp)
            if g in (0, 1, 2, 3):
                m["motion"] = int(g)
            elif g in (90, 91):
                m["relative"] = g == 91
            elif g in (20, 21):
                m["inches"] = g == 20
        elif letter == "M":
            if v not in _M_OK:
                return 20, pos, False, modal
            if v in (3, 4, 5):
                m["spindle"] = int(v)
            elif v in (2, 30):
                m["spindle"], m["motion"] = 5, 1
        elif letter not in _LETTERS:
            return 20, pos, False, modal
        else:
            if letter in seen:
                return 25, pos, False, modal
            seen.add(letter)
            if letter in "FS" and v < 0:
                return 4, pos, False, modal
            if letter == "F":
                m["feed"] = v * (25.4 if m["inches"] else 1.0)
            elif letter == "S":
                m["power"] = v
            elif letter in "XYZ":
                axes[letter] = v * (25.4 if m["inches"] else 1.0)
    moved = bool(axes)
    if moved and m["motion"] in (1, 2, 3) and not m["feed"]:
        return 22, pos, False, modal
    if m["motion"] in (2, 3) and moved and not seen & set("IJR"):
        return 35, pos, False, modal
    target = list(pos)
    for i, a in enumerate("XYZ"):
        if a in axes:
            target[i] = target[i] + axes[a] if m["relative"] else axes[a] + (wco[i] if wco else 0.0)
    return 0, target, moved, m
