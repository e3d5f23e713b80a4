"""How a synthetic set names its sequences: after a real data set, so its recipe runs as is.

The generator knows three conditions (nm, bg, cl: appearance only) and a camera azimuth. A
naming maps a data set's sequence types onto those conditions and its view names onto
azimuths, so that ``heatgait synth --recipe ccpg`` writes sequences named and split exactly as
CCPG's (subjects from the recipe's split, CCPG's types and views) and ``heatgait train --recipe
ccpg`` and its protocol run on them unchanged.

- casia-b: types nm-01..06, bg-01..02, cl-01..02; views 000..180 in steps of 18 (degrees).
- ccpg: types U<u>_D<d>[_BG] (upper/lower clothes, a bag): U0_D0 is the normal walk, a bag is bg,
  any other clothes are cl; views <camera>_<n>, cameras 1..10 spread over 0..162 degrees.
- sustech1k: types <index>-<condition>; nm, bg, cl as themselves, carrying and umbrella as a
  carried object (bg), uniform as other clothes (cl), occlusion and night as a normal walk (the
  generator draws neither); views 000..330 in steps of 30.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from heatgait.synth.params import CONDITIONS


@dataclass(frozen=True)
class Naming:
    """A data set's names for synthetic sequences."""

    layout: str
    types: tuple[str, ...]
    views: tuple[str, ...]

    def condition(self, seq_type: str) -> str:
        """The generator's condition (nm, bg, cl) of a sequence type."""
        if self.layout == "ccpg":
            if seq_type.endswith("_BG"):
                return "bg"
            return "nm" if seq_type == "U0_D0" else "cl"
        condition = seq_type.split("-")[-1] if self.layout == "sustech1k" else \
            seq_type.split("-")[0]
        return {"cr": "bg", "ub": "bg", "uf": "cl", "oc": "nm", "nt": "nm"}.get(condition,
                                                                               condition)

    def view_degrees(self, view: str) -> float:
        """The camera azimuth of a view name."""
        if self.layout == "ccpg":
            camera = int(view.split("_")[0])
            return (camera - 1) * 18.0
        return float(int(view))

    def check(self, seq_type: str, view: str) -> None:
        """ValueError naming the bad name (the CLI makes it a usage error)."""
        pattern = TYPE_PATTERNS[self.layout]
        if not pattern.match(seq_type) or self.condition(seq_type) not in CONDITIONS:
            raise ValueError(f"type {seq_type!r} is not a {self.layout} type (e.g. "
                             f"{', '.join(self.types[:3])})")
        try:
            self.view_degrees(view)
        except ValueError:
            raise ValueError(f"view {view!r} is not a {self.layout} view (e.g. "
                             f"{', '.join(self.views[:3])})") from None


def view_key(view: str) -> int:
    """A stable integer for a view name, keying the random stream of its sequences (CASIA-B's
    degrees as themselves, so sets generated before other layouts existed keep their bytes)."""
    return int(view) if view.isdigit() else zlib.crc32(view.encode()) & 0x7FFFFFFF


TYPE_PATTERNS = {
    "casia-b": re.compile(r"^(nm|bg|cl)-\d{2}$"),
    "ccpg": re.compile(r"^U\d_D\d(_BG)?$"),
    "sustech1k": re.compile(r"^\d{2}-[a-z]{2}$"),
}

NAMINGS: dict[str, Naming] = {
    "casia-b": Naming(
        "casia-b",
        tuple([f"nm-{i:02d}" for i in range(1, 7)] + ["bg-01", "bg-02", "cl-01", "cl-02"]),
        tuple(f"{v:03d}" for v in range(0, 181, 18))),
    "ccpg": Naming(
        "ccpg", ("U0_D0", "U0_D0_BG", "U1_D1", "U2_D2", "U3_D3", "U0_D3", "U1_D0"),
        tuple(f"{camera}_1" for camera in range(1, 11))),
    "sustech1k": Naming(
        "sustech1k", ("00-nm", "01-nm", "01-bg", "02-cl", "03-cr", "04-ub", "01-uf", "02-oc",
                      "03-nt"),
        tuple(f"{v:03d}" for v in range(0, 331, 30))),
}
