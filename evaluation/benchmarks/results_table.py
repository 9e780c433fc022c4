"""The benchmark's Markdown table: printed, written to results.md and pasted into the README."""

from __future__ import annotations

from evaluation.benchmarks.machine import machine_line

COLUMNS = (
    ("notes", "notes", "{:,}"),
    ("words", "words", "{:,}"),
    ("workers", "workers", "{}"),
    ("scan_s", "scan wall s", "{:.1f}"),
    ("scan_cpu_s", "scan CPU s", "{:.1f}"),
    ("notes_per_s", "notes/s", "{:,.0f}"),
    ("words_per_s", "words/s", "{:,.0f}"),
    ("peak_rss_mib", "peak RSS MiB", "{:,.0f}"),
    ("bare_s", "bare spaCy wall s", "{:.1f}"),
    ("bare_cpu_s", "bare spaCy CPU s", "{:.1f}"),
    ("ratio", "scan ÷ bare, wall", "{:.1f}×"),
    ("ratio_cpu_net", "scan ÷ bare, CPU net of startup", "{:.1f}×"),
)
SCAN_FIGURES = frozenset({"scan_s", "scan_cpu_s", "notes_per_s", "words_per_s", "peak_rss_mib", "ratio", "ratio_net", "ratio_cpu_net"})


def _cell(row: dict, key: str, fmt: str) -> str:
    if row.get("status", "ok") != "ok" and key in SCAN_FIGURES:
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
        f"{results['archives']}; load average {_load(results)}. "
        f"{_total(results)}"
        f"Scan startup (interpreter, imports, model load, {results['startup_notes']} notes): {_startup(results)}. "
        f"Bare spaCy = `pipeline.text.get_nlp()` restricted to {' + '.join(results['bare_components'])}, "
        "one process, timed without reading the archive. notes/s and words/s are wall-clock, startup included. "
        "CPU s counts every process of the scan; on a busy host it is the steadier figure. "
        "Peak RSS is the whole process tree (workers included), sampled every 50 ms.",
        "",
        header,
        rule,
    ]
    for row in results["rows"]:
        lines.append("| " + " | ".join(_cell(row, key, fmt) for key, _title, fmt in COLUMNS) + " |")
    return "\n".join(lines)


def _total(results: dict) -> str:
    total = results.get("total_s")
    return "" if total is None else f"The whole run (archives, bare passes, every scan) took {total / 60:.1f} min. "


def _startup(results: dict) -> str:
    startup = results.get("startup_s")
    if startup is None:
        return "not measured (the startup scan failed)"
    cpu = results.get("startup_cpu_s")
    return f"{startup:.1f} s wall" + (f", {cpu:.1f} s CPU" if cpu is not None else "")


def _load(results: dict) -> str:
    load = results.get("load_average") or {}
    if not load:
        return "not recorded"
    return f"{load['start']} at start, {load['end']} at end on {results['machine']['cpus_usable']} cores"
