"""The bench chart: records per CPU-second and wall time per client, one bar group per size."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from runners import Measured


def _label(m: Measured) -> str:
    return f"{m.client}\n{m.path}"


def draw(path: Path, results: Sequence[Measured]) -> None:
    """Two horizontal bar charts side by side, written as a PNG to ``path``."""
    extraction = [m for m in results if m.rows and m.records]
    others = [m for m in results if not m.rows and m.records]
    labels = list(dict.fromkeys(_label(m) for m in [*extraction, *others]))
    sizes = sorted({m.rows for m in extraction}) + ([0] if others else [])
    figure, (cpu_axis, wall_axis) = plt.subplots(
        1, 2, figsize=(15, 0.55 * len(labels) * max(1, len(sizes)) + 2), sharey=True
    )
    height = 0.8 / max(1, len(sizes))
    for index, size in enumerate(sizes):
        by_label = {_label(m): m for m in results if m.rows == size and m.records}
        positions = [n + index * height for n, label in enumerate(labels) if label in by_label]
        chosen = [by_label[label] for label in labels if label in by_label]
        name = f"{size:,} rows" if size else "small org: default tables, target"
        cpu_axis.barh(positions, [m.records_per_cpu_s for m in chosen], height, label=name)
        wall_axis.barh(positions, [m.wall_s for m in chosen], height, label=name)
    cpu_axis.set_yticks([n + 0.4 - height / 2 for n in range(len(labels))], labels, fontsize=7)
    cpu_axis.invert_yaxis()
    cpu_axis.set_xscale("log")
    wall_axis.set_xscale("log")
    cpu_axis.set_xlabel("records per CPU-second of the client process (log)")
    wall_axis.set_xlabel("wall time, seconds (log)")
    cpu_axis.legend(fontsize=8)
    figure.suptitle("bench/run.py: Salesforce clients against the emulator")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
