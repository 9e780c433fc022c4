"""The benchmark's Markdown table: printed, written to results.md and pasted into the README."""

from __future__ import annotations

from evaluation.benchmarks.machine import machine_line

COLUMNS = (
    ("notes", "notes", "{:,}"),
    ("words", "words", "{:,}"),
    ("workers", "workers", "{}"),
    ("scan_s", "scan s", "{:.1f}"),
    ("notes_per_s", "notes/s", "{:,.0f}"),
    ("words_per_s", "words/s", "{:,.0f}"),
    ("peak_rss_mib", "peak RSS MiB", "{:,.0f}"),
    ("bare_s", "bare spaCy s", "{:.1f}"),
    ("ratio", "scan ÷ bare", "{:.1f}×"),
    ("ratio_net", "scan ÷ bare, net of startup", "{:.1f}×"),
)


def _cell(row: dict, key: str, fmt: str) -> str:
    if row.get("status", "ok") != "ok" and key in {"scan_s", "notes_per_s", "words_per_s", "peak_rss_mib", "ratio", "ratio_net"}:
        return row["status"] if key == "scan_s" else "–"
    value = row.get(key)
    return "–" if value is None else fmt.format(value)


def markdown_table(results: dict) -> str:
    header = "| " + " | ".join(title for _key, title, _fmt in COLUMNS) + " |"
    rule = "|" + "|".join("---:" for _ in COLUMNS) + "|"
    lines = [
        f"Machine: {machine_line(results['machine'])}.",
        "",
        f"Run {results['date']}: `journaltjek scan` with model {results['model']} on "
        f"{results['archives']}; scan startup (interpreter, imports, model load, {results['startup_notes']} notes) "
        f"{_startup(results)}. Bare spaCy = `pipeline.text.get_nlp()` restricted to "
        f"{' + '.join(results['bare_components'])}, one process, timed without reading. "
        "Peak RSS is the whole process tree (workers included), sampled every 50 ms.",
        "",
        header,
        rule,
    ]
    for row in results["rows"]:
        lines.append("| " + " | ".join(_cell(row, key, fmt) for key, _title, fmt in COLUMNS) + " |")
    return "\n".join(lines)


def _startup(results: dict) -> str:
    startup = results.get("startup_s")
    return "not measured" if startup is None else f"{startup:.1f} s"
