"""GRBL 1.1 response codes as data: ``error:N``, ``ALARM:N`` and the ``$N`` settings we read.

Meanings are paraphrased from the GRBL 1.1 interface documentation (doc/csv in gnea/grbl).
"""

from __future__ import annotations

#: ``error:N`` -> meaning
ERRORS: dict[int, str] = {
    1: "expected command letter (a G-code word has no letter)",
    2: "bad number format (a word's value is missing or malformed)",
    3: "invalid statement ('$' system command not recognised)",
    4: "negative value where a positive one is expected",
    5: "setting disabled (homing is not enabled in the settings)",
    6: "step pulse time must be at least 3 microseconds",
    7: "EEPROM read failed; defaults restored",
    8: "'$' command only allowed while idle",
    9: "G-code locked out during alarm or jog state",
    10: "soft limits need homing enabled",
    11: "line overflow (more than 80 characters); line not executed",
    12: "setting would make the step rate exceed 30 kHz",
    13: "safety door opened",
    14: "build info or start-up line too long for EEPROM",
    15: "jog target exceeds machine travel; jog ignored",
    16: "invalid jog command",
    17: "laser mode requires PWM output",
    20: "unsupported or invalid G-code command",
    21: "modal group violation (two commands of one modal group in a block)",
    22: "undefined feed rate",
    23: "command requires an integer value",
    24: "more than one command needing axis words in a block",
    25: "repeated word in a block",
    26: "no axis words for a command that needs them",
    27: "invalid line number",
    28: "command is missing a required value word",
    29: "G59.x work coordinate systems are not supported",
    30: "G53 only allowed with G0 and G1",
    31: "axis words present but no command uses them",
    32: "G2/G3 arc needs at least one in-plane axis word",
    33: "invalid motion target",
    34: "invalid arc radius",
    35: "G2/G3 arc needs at least one in-plane offset word",
    36: "unused value words in block",
    37: "G43.1 offset not on the configured tool length axis",
    38: "tool number above the supported maximum",
}

#: ``ALARM:N`` -> meaning
ALARMS: dict[int, str] = {
    1: "hard limit triggered; position likely lost, re-home",
    2: "soft limit: motion target exceeds machine travel (position kept)",
    3: "reset while in motion; position likely lost, re-home",
    4: "probe fail: probe not in expected initial state",
    5: "probe fail: no contact within programmed travel",
    6: "homing fail: homing cycle was reset",
    7: "homing fail: safety door opened during homing",
    8: "homing fail: pull-off did not clear the limit switch",
    9: "homing fail: limit switch not found within search distance",
    10: "homing fail: second dual-axis switch not found",
}

#: settings the streamer reads from ``$$``, with their meaning and unit
SETTINGS: dict[int, str] = {
    20: "soft limits enabled (bool)",
    30: "maximum spindle speed / laser power S (RPM units)",
    31: "minimum spindle speed (RPM units)",
    32: "laser mode enabled (bool)",
    110: "X maximum rate (mm/min)",
    111: "Y maximum rate (mm/min)",
    112: "Z maximum rate (mm/min)",
    130: "X maximum travel (mm)",
    131: "Y maximum travel (mm)",
    132: "Z maximum travel (mm)",
}

#: the settings a GRBL 1.1 with generic defaults prints for ``$$`` (laser-friendly travel)
DEFAULT_SETTINGS: dict[int, float] = {
    0: 10, 1: 25, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 10: 1, 11: 0.010, 12: 0.002, 13: 0,
    20: 0, 21: 0, 22: 0, 23: 0, 24: 25.0, 25: 500.0, 26: 250, 27: 1.0,
    30: 1000, 31: 0, 32: 1,
    100: 80.0, 101: 80.0, 102: 250.0, 110: 6000.0, 111: 6000.0, 112: 500.0,
    120: 500.0, 121: 500.0, 122: 10.0, 130: 300.0, 131: 200.0, 132: 50.0,
}

# real-time command bytes (never counted in the RX buffer)
STATUS = b"?"
FEED_HOLD = b"!"
CYCLE_START = b"~"
SOFT_RESET = b"\x18"


def describe_error(code: int) -> str:
    """``error:N`` as ``error:N (meaning)``."""
    return f"error:{code} ({ERRORS.get(code, 'unknown error code')})"


def describe_alarm(code: int) -> str:
    """``ALARM:N`` as ``ALARM:N (meaning)``."""
    return f"ALARM:{code} ({ALARMS.get(code, 'unknown alarm code')})"
