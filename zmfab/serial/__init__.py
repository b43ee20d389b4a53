"""Stream jobs to GRBL lasers and Marlin printers over serial links, and emulate both.

- :mod:`.transport`: pyserial URLs and ``sim://`` emulators, injectable clocks
- :mod:`.grbl`, :mod:`.marlin`: the two dialects; :mod:`.grbl_codes`: GRBL's code tables
- :mod:`.streamer`: the one streaming state machine; :mod:`.jobfile`: :func:`~.jobfile.load_job`
- :mod:`.emulator` (+ :mod:`.grbl_emu`, :mod:`.marlin_emu`): firmware emulators with faults
- :mod:`.jobscan`: job bounds, laser use and the ``--from-line`` resume preamble
"""
