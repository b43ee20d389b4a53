"""The process stack: layers and their methods, stencil bridges, panels of cells."""
