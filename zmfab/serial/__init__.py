"""Stream jobs to GRBL lasers and Marlin printers over serial links, and emulate both.

- :mod:`.transport`: pyserial URLs and ``sim://`` emulators, injectable clocks
- :mod:`.grbl`, :mod:`.marlin`: the two dialects; :mod:`.grbl_codes`: GRBL's code tables
- :mod:`.streamer`: the one streaming state machine; :mod:`.jobfile`: :func:`~.jobfile.load_job`
- :mod:`.emulator` (+ :mod:`.grbl_emu`, :mod:`.grbl_block`, :mod:`.marlin_emu`): firmware emulators
  with faults
- :mod:`.jobscan`: job bounds, laser use, move times and modal state; :mod:`.resume`: the
  ``--from-line`` preamble; :mod:`.window`, :mod:`.watch`, :mod:`.outputs`, :mod:`.record`,
  :mod:`.report`: the streamer's state, eyes on the machine, outputs to switch off, record, words
- :mod:`.control`: bench commands (status, home, unlock, reset, origin, goto, jog) on one
  connection; :mod:`.jog`: interactive jogging keys; :mod:`.settings`: ``$$`` vs a profile
- :mod:`.grbl_bench`: the GRBL emulator's ``$J=``, 0x85, ``G10 L20`` and substrate model
"""
