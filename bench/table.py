"""The one table `make bench` prints: figure | product | reference | ratio | goal | met."""

import math
from dataclasses import dataclass


@dataclass
class Row:
    figure: str
    product: float | int | str
    reference: float | int | str | None
    goal: str
    met: bool | None  # None: shown for context, no goal
    style: str = "{}"

    def cells(self) -> list[str]:
        ratio = ""
        numeric = all(isinstance(value, int | float) for value in (self.product, self.reference))
        if numeric and self.reference and math.isfinite(self.reference):
            ratio = f"{self.product / self.reference:.2f}"
        met = "" if self.met is None else ("PASS" if self.met else "MISS")
        return [self.figure, self.show(self.product), self.show(self.reference), ratio,
                self.goal, met]  # fmt: skip

    def show(self, value) -> str:
        if value is None:
            return "-"
        if isinstance(value, float) and not math.isfinite(value):
            return "> cap" if value > 0 else "n/a"
        if isinstance(value, int | float):
            return self.style.format(value)
        return str(value)


HEADER = ["figure", "product", "reference", "ratio", "goal", "met"]


def render(rows: list[Row]) -> str:
    table = [HEADER] + [row.cells() for row in rows]
    widths = [max(len(line[column]) for line in table) for column in range(len(HEADER))]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)
