"""Parametric electrode generators, one module per family, all reachable through the registry."""

from .registry import families, generate, get_generator

__all__ = ["families", "generate", "get_generator"]
