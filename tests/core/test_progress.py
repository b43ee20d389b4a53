"""The one progress line: drawn on a terminal after the delay, never when piped or quiet."""

import io

from zmfab.cli.progress import Bar, bar_text


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_waits_for_long_work_then_draws_eta_and_ends_its_line():
    now = [0.0]
    out = Tty()
    bar = Bar(stream=out, unit="steps", clock=lambda: now[0])
    bar(0, 4, "layout")
    now[0] = 1.0
    bar(1, 4, "masks")
    assert out.getvalue() == ""  # short work: nothing drawn
    now[0] = 3.0
    bar(2, 4, "jobs")
    line = out.getvalue()
    assert "2/4 steps" in line and "ETA 0:03" in line and "jobs" in line and " 50.0%" in line
    now[0] = 6.0
    bar(4, 4)
    assert out.getvalue().endswith("\n")


def test_no_bar_when_piped_or_quiet():
    now = [10.0]
    piped = io.StringIO()  # not a terminal
    Bar(stream=piped, clock=lambda: now[0], delay=0)(1, 2)
    quiet = Tty()
    Bar(stream=quiet, quiet=True, clock=lambda: now[0], delay=0)(1, 2)
    assert piped.getvalue() == "" and quiet.getvalue() == ""


def test_bar_text_shape():
    text = bar_text(3, 10, elapsed=65, eta=None, unit="lines", percent=40.0)
    assert text.startswith("[" + "#" * 12 + "." * 18 + "]  40.0%  3/10 lines")
    assert "elapsed 1:05  ETA --:--" in text
