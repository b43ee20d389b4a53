"""The ``--from-line K`` preamble: rebuild the modal state in effect just before line K.

Pure: lines in, lines out. GRBL: units, distance and arc-distance mode, feed-rate mode, plane,
work coordinate system, tool, coolant/air assist (M7/M8), spindle/laser mode (and S in laser
mode), F and the motion mode; Marlin adds heaters (set, then wait), fan, M42 pins, the extruder
mode and ``G92 E`` for absolute extrusion. The move to the start point runs with the laser off and
the valves closed, Z first up to the job's highest Z where the job uses Z.
"""

from __future__ import annotations

from dataclasses import dataclass

from .jobscan import Modal, clean_line, scan, state_before, step, words


@dataclass(frozen=True)
class ResumePlan:
    """``preamble``: lines to send before line K; ``first_motion``: the job line (1-based) whose
    text must carry ``motion_word`` (GRBL cannot set an arc mode without moving), else 0."""

    preamble: list[str]
    state: Modal
    motion_word: str = ""
    first_motion: int = 0


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def resume_plan(lines: list[str], from_line: int, *, dialect: str = "grbl",
                restore_power: bool = False) -> ResumePlan:
    """The preamble that resumes ``lines`` at ``from_line`` (1-based) on ``dialect``.

    ``restore_power`` (only safe with GRBL laser mode, where S fires during G1/G2/G3 alone) also
    restores the last S value; otherwise the job's next S word sets the power.
    """
    st = state_before(lines, from_line)
    marlin = dialect == "marlin"
    out = ["G21", "G90", "M5" if marlin else "M5 S0"]
    if st.wcs is not None:
        out.append(f"G{st.wcs}")
    if st.plane is not None:
        out.append(f"G{st.plane}")
    if st.tool is not None:
        out.append(f"T{st.tool}")
    if marlin:
        out += _heaters(st)
    info = scan(lines)
    x, y, z = st.position
    sx, sy, sz = st.seen_xyz
    if info.uses_z and info.bounds is not None:
        out.append(f"G0 Z{_num(max(info.bounds[2][1], z))}")
    xy = " ".join(f"{a}{_num(v)}" for a, v, seen in (("X", x, sx), ("Y", y, sy)) if seen)
    if xy:
        out.append(f"G0 {xy}")
    if sz:
        out.append(f"G0 Z{_num(z)}")
    if marlin and st.e_seen and not st.e_relative:
        out.append(f"G92 E{_num(st.e)}")
    if st.inches:
        out.append("G20")
    if st.relative:
        out.append("G91")
    if st.arc_absolute:
        out.append("G90.1")
    if st.inverse_feed:
        out.append("G93")
    elif st.feed is not None:
        out.append(f"G1 F{_num(st.feed)}" if marlin else f"F{_num(st.feed)}")
    if marlin and (st.extrude_relative is not None or st.e_seen):
        out.append("M83" if st.e_relative else "M82")
    if st.mist:
        out.append("M7")
    if st.flood:
        out.append("M8")
    if marlin and st.fan is not None:
        out.append(f"M106 S{_num(st.fan)}" if st.fan > 0 else "M107")
    if st.spindle in (3, 4):
        out.append(f"M{st.spindle} S0")
        if restore_power and st.power > 0:
            out.append(f"S{_num(st.power)}")
    for pin, value in st.pins:  # valves last: they open where the job resumes, not on the way
        out.append(f"M42 P{pin} S{_num(value)}")
    word, first = "", 0
    if not marlin:
        if st.motion == 1:
            out.append("G1")
        elif st.motion in (2, 3):
            word, first = f"G{st.motion}", _first_motion(lines, from_line, st)
    return ResumePlan(out, st, word, first)


def resume_preamble(lines: list[str], from_line: int, *, dialect: str = "grbl",
                    restore_power: bool = False) -> list[str]:
    """Just the preamble lines of :func:`resume_plan`."""
    return resume_plan(lines, from_line, dialect=dialect, restore_power=restore_power).preamble


def _heaters(st: Modal) -> list[str]:
    """Set every heater first (they warm together), then wait for each."""
    out = []
    if st.bed is not None:
        out.append(f"M140 S{_num(st.bed)}")
    out += [f"M104 T{t} S{_num(v)}" for t, v in st.hotends]
    if st.bed:
        out.append(f"M190 S{_num(st.bed)}")
    out += [f"M109 T{t} S{_num(v)}" for t, v in st.hotends if v > 0]
    return out


def _first_motion(lines: list[str], from_line: int, st: Modal) -> int:
    """The first line from ``from_line`` on that moves without a motion word of its own (0: none)."""
    state = st
    for n in range(from_line, len(lines) + 1):
        text = clean_line(lines[n - 1])
        if not text:
            continue
        has_motion = any(letter == "G" and round(v, 1) in (0, 1, 2, 3) for letter, v in words(text))
        state, moved = step(state, text)
        if has_motion:
            return 0
        if moved:
            return n
    return 0
