"""Stream jobs to GRBL lasers and Marlin printers over serial links, and emulate both.

- :mod:`.transport`: pyserial URLs and ``sim://`` emulators, injectable clocks
- :mod:`.grbl`, :mod:`.marlin`: the two dialects; :mod:`.grbl_codes`: GRBL's code tables
- :mod:`.streamer`: the one streaming state machine; :mod:`.jobfile`: :func:`~.jobfile.load_job`
- :mod:`.emulator` (+ :mod:`.grbl_emu`, :mod:`.grbl_block`, :mod:`.marlin_emu`): firmware emulators
  with faults
- :mod:`.jobscan`: job bounds, laser use, move times and modal state; :mod:`.resume`: the
  ``--from-line`` preamble; :mod:`.window`, :mod:`.watch`, :mod:`.outputs`, :mod:`.record`,
  :mod:`.report`: the streamer's state, eyes on the machine, outputs to switch off, record, words
"""
