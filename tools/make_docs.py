"""Regenerate README's gallery pictures and CLI reference from the code itself.

Run: python tools/make_docs.py   (writes docs/gallery/*.svg and the README section between
``<!-- cli-reference -->`` markers).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GALLERY = {
    "interdigitated": "patterns/zn-mno2-screen-printed.toml",
    "concentric": "patterns/zn-ion-msc-concentric.toml",
    "swiss-roll": "patterns/swiss-roll-zmb.toml",
}


def gallery() -> None:
    from zmfab.design import load_design
    from zmfab.export.preview import write_preview

    out = ROOT / "docs" / "gallery"
    out.mkdir(parents=True, exist_ok=True)
    for family, pattern in GALLERY.items():
        write_preview(load_design(ROOT / pattern).layout(), out / f"{family}.svg")


def help_text(args: list[str]) -> str:
    from zmfab.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.suppress(SystemExit):
        main([*args, "--help"])
    return buf.getvalue().rstrip()


def cli_reference() -> str:
    from zmfab.cli import COMMANDS

    parts = ["```text", help_text([]), "```"]
    for name in sorted(COMMANDS):
        parts += ["", f"### zmfab {name}", "", "```text", help_text([name]), "```"]
    return "\n".join(parts)


def main() -> None:
    gallery()
    readme = ROOT / "README.md"
    text = readme.read_text()
    block = f"<!-- cli-reference -->\n{cli_reference()}\n<!-- /cli-reference -->"
    text = re.sub(r"<!-- cli-reference -->.*<!-- /cli-reference -->", lambda _: block, text, flags=re.S)
    readme.write_text(text)


if __name__ == "__main__":
    main()
