"""Device analysis: electrochemical estimates, thin-film field solve, maps, rolled devices.

The field solver and maps need the ``sim`` extra (scipy, matplotlib); the estimates do not.
"""
