"""The report's figures as PNG images encoded in base64, ready to embed in one HTML file.

Uses matplotlib's object API (`Figure`) rather than pyplot: no global state, no display needed,
safe when several reports are drawn in one process.
"""

from __future__ import annotations

import base64
import io

from matplotlib.figure import Figure

from pipeline.schema import CONCERN_TYPE_NAMES_DA, MARKER_NAMES_DA, MARKERS

MARKER_COLOURS = {m: c for m, c in zip(MARKERS, ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"))}
MAX_SLICE_VALUES = 12


def figure_to_base64(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _marker_grid() -> tuple[Figure, list]:
    fig = Figure(figsize=(9, 7.5))
    axes = fig.subplots(2, 2).ravel().tolist()
    return fig, axes


def pr_curves(result: dict) -> str:
    """Precision against recall per marker, with the current flags' operating point."""
    fig, axes = _marker_grid()
    for ax, marker in zip(axes, MARKERS):
        figures = result["markers"][marker]
        curve = figures["pr_curve"]
        if figures["support"]:
            ax.step([0.0] + curve["recall"], [curve["precision"][0] if curve["precision"] else 1.0] + curve["precision"],
                    where="post", color=MARKER_COLOURS[marker])
        ax.plot([figures["recall"]], [figures["precision"]], "o", color="black", label="nuværende flag")
        auc = figures["pr_auc"]
        ax.set_title(f"{MARKER_NAMES_DA[marker]}\nPR-AUC {auc:.2f}" if auc is not None else f"{MARKER_NAMES_DA[marker]}\n(ingen positive)", fontsize=9)
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("genkaldelse (recall)", fontsize=8)
        ax.set_ylabel("præcision", fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return figure_to_base64(fig)


def reliability_diagrams(result: dict) -> str:
    """Mean score against share of positives per score bin; the diagonal is perfect calibration."""
    fig, axes = _marker_grid()
    for ax, marker in zip(axes, MARKERS):
        calibration = result["markers"][marker]["calibration"]
        bins = calibration["bins"]
        ax.plot([0, 1], [0, 1], "--", color="grey", linewidth=1)
        if bins:
            total = sum(b["count"] for b in bins)
            ax.scatter([b["mean_score"] for b in bins], [b["positive_rate"] for b in bins],
                       s=[20 + 300 * b["count"] / total for b in bins], color=MARKER_COLOURS[marker], alpha=0.8)
            ax.plot([b["mean_score"] for b in bins], [b["positive_rate"] for b in bins], color=MARKER_COLOURS[marker], linewidth=1)
        ece = calibration["ece"]
        ax.set_title(f"{MARKER_NAMES_DA[marker]}\nECE {ece:.3f}" if ece is not None else MARKER_NAMES_DA[marker], fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("gennemsnitlig score", fontsize=8)
        ax.set_ylabel("andel positive i guld", fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return figure_to_base64(fig)


def slice_bars(rows: list[dict], column: str, metric: str = "f1") -> str:
    """Grouped bars: one group per slice value (largest first), one bar per marker."""
    rows = rows[:MAX_SLICE_VALUES]
    fig = Figure(figsize=(max(6.0, 1.1 * len(rows) + 2), 3.8))
    ax = fig.subplots()
    width = 0.8 / len(MARKERS)
    for k, marker in enumerate(MARKERS):
        xs = [i + (k - 1.5) * width for i in range(len(rows))]
        values = [row["markers"][marker][metric] if row["markers"][marker]["support"] else 0.0 for row in rows]
        ax.bar(xs, values, width=width, color=MARKER_COLOURS[marker], label=MARKER_NAMES_DA[marker])
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([f"{row['value']}\n(n={row['n_notes']})" for row in rows], fontsize=7, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(metric.upper() if metric == "f1" else metric, fontsize=8)
    ax.set_title(f"{metric.upper()} pr. {column}", fontsize=9)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=2)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return figure_to_base64(fig)


def concern_type_bars(rows: list[dict]) -> str:
    """Recall of unhandled concerns per concern type (types with gold examples only)."""
    rows = [r for r in rows if r["support"]]
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    bars = ax.barh([f"{CONCERN_TYPE_NAMES_DA[r['concern_type']]} (n={r['support']})" for r in rows],
                   [r["recall"] for r in rows], color=MARKER_COLOURS["unhandled_concern"])
    ax.bar_label(bars, labels=[f"{r['recall']:.2f}" for r in rows], fontsize=7, padding=2)
    ax.set_xlim(0, 1.1)
    ax.set_xlabel("genkaldelse (recall)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return figure_to_base64(fig)
