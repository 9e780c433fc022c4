"""The evaluation report as one self-contained HTML file.

Everything the page needs is inside it (CSS inline, plots as base64 PNG), so it can be mailed or
attached to a case without broken images. The top of the page is one summary table a reviewer
reads in ten seconds; the details follow.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from evaluation import plots
from pipeline.schema import CONCERN_TYPE_NAMES_DA

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
MAX_ERRORS_IN_HTML = 1000


def _num(value: float | None, digits: int = 2) -> str:
    if value is None or value != value:
        return "–"
    return f"{value:.{digits}f}"


def _ci(interval: list[float] | None) -> str:
    if not interval:
        return ""
    return f"[{interval[0]:.2f}–{interval[1]:.2f}]"


def _pct(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{100 * value:.3g} %"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=_num, ci=_ci, pct=_pct)
    return env


def render_html(result: dict) -> str:
    """The report page for an `evaluation.evaluate.evaluate` result."""
    images = {
        "pr_curves": plots.pr_curves(result),
        "reliability": plots.reliability_diagrams(result),
        "slices": {column: plots.slice_bars(rows, column) for column, rows in result["slices"].items()},
        "concern_types": plots.concern_type_bars(result["concern_types"])
        if any(r["support"] for r in result["concern_types"])
        else None,
    }
    markers = result["markers"]
    return _environment().get_template("report.html").render(
        **result,
        images=images,
        prevalence_markers=[m for m, f in markers.items() if "at_prevalence" in f],
        errors_shown=result["errors"][:MAX_ERRORS_IN_HTML],
        concern_type_names=CONCERN_TYPE_NAMES_DA,
        calibration_bins=next(iter(markers.values()))["calibration"]["n_bins"],
    )


def write_html(result: dict, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(result), encoding="utf-8")
    return path
