"""Triangle meshes in mm, written and read as binary STL, and checked closed before writing.

A :class:`Mesh` is an (N, 3) vertex array and an (M, 3) array of vertex indices per triangle,
counter-clockwise seen from outside. Closed ("watertight") means every edge is shared by exactly
two triangles that run it in opposite directions; then the divergence theorem gives the volume.
Binary STL: an 80-byte header, a triangle count, and per triangle its normal, three vertices
(little-endian float32) and a zero attribute word. Slicers read millimetres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError

_RECORD = np.dtype([("normal", "<f4", (3,)), ("v", "<f4", (3, 3)), ("attr", "<u2")])


@dataclass(frozen=True)
class Mesh:
    """Vertices (mm) and triangles (vertex indices, outward counter-clockwise)."""

    vertices: np.ndarray
    faces: np.ndarray

    def triangles(self) -> np.ndarray:
        """(M, 3, 3) corner coordinates of every triangle."""
        return self.vertices[self.faces]

    @property
    def volume(self) -> float:
        """Enclosed volume (mm³): the sum of signed tetrahedra from the origin."""
        t = self.triangles().astype(float)
        return float(np.einsum("ij,ij->i", t[:, 0], np.cross(t[:, 1], t[:, 2])).sum() / 6.0)

    def open_edges(self) -> int:
        """Directed edges without their opposite twin, plus edges used more than once per direction."""
        f = self.faces
        directed = np.vstack([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]])
        keys, counts = np.unique(directed, axis=0, return_counts=True)
        twins = {tuple(k) for k in keys}
        missing = sum(1 for a, b in keys if (b, a) not in twins)
        return int(missing + (counts > 1).sum())

    @property
    def watertight(self) -> bool:
        """Closed and consistently oriented (see the module docstring)."""
        return len(self.faces) > 0 and self.open_edges() == 0


def normals(tris: np.ndarray) -> np.ndarray:
    """Unit normals of (M, 3, 3) triangles (zero for degenerate ones)."""
    n = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
    length = np.linalg.norm(n, axis=1)
    return np.divide(n, length[:, None], out=np.zeros_like(n), where=length[:, None] > 0)


def stl_bytes(mesh: Mesh, *, title: str = "zmfab") -> bytes:
    """A binary STL of ``mesh``; an open mesh is refused (a slicer would fill it wrongly)."""
    if not mesh.watertight:
        raise ParameterError("mesh", f"is not closed ({mesh.open_edges()} open edges): not written")
    tris = mesh.triangles().astype(float)
    records = np.zeros(len(tris), dtype=_RECORD)
    records["normal"] = normals(tris)
    records["v"] = tris
    header = title.encode("ascii", "replace")[:80].ljust(80, b" ")
    if header.lower().startswith(b"solid"):
        header = b"binary " + header[:73]  # an ASCII reader must not take it for text
    return header + np.uint32(len(tris)).tobytes() + records.tobytes()


def read_stl(data: bytes) -> Mesh:
    """A :class:`Mesh` from binary STL bytes, corners merged where they coincide exactly."""
    if len(data) < 84:
        raise ParameterError("stl", "too short for a binary STL")
    count = int(np.frombuffer(data[80:84], dtype="<u4")[0])
    if len(data) != 84 + 50 * count:
        raise ParameterError("stl", f"size {len(data)} does not match {count} triangles")
    records = np.frombuffer(data[84:], dtype=_RECORD, count=count)
    corners = records["v"].reshape(-1, 3)
    vertices, index = np.unique(corners, axis=0, return_inverse=True)
    return Mesh(vertices.astype(float), index.reshape(-1, 3))
