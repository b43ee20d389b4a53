"""Toolpaths: ordered polylines with per-polyline settings, before any G-code dialect."""
