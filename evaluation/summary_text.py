"""The summary table for the terminal: the same top table as the HTML report, as plain text."""

from __future__ import annotations


def _num(value: float | None) -> str:
    return "–" if value is None or value != value else f"{value:.2f}"


def _with_ci(value: float | None, interval: list[float] | None) -> str:
    if not interval:
        return _num(value)
    return f"{_num(value)} [{interval[0]:.2f}–{interval[1]:.2f}]"


def format_summary(result: dict) -> str:
    meta = result["meta"]
    prevalence = any("at_prevalence" in m for m in result["markers"].values())
    header = f"{'markør':<28} {'pos':>5} {'mark.':>5}  {'præcision':<18} {'genkaldelse':<18} {'F1':<18} {'PR-AUC':<18}"
    if prevalence:
        header += " præc. ved forekomst"
    lines = [
        f"{meta['n_evaluated']} af {meta['n_gold']} guldnotater evalueret ({meta['n_cases']} sager); "
        f"95 %-intervaller fra {meta['bootstrap']['resamples']} bootstrap-stikprøver pr. sag",
        "",
        header,
    ]
    for marker, m in result["markers"].items():
        row = (
            f"{marker:<28} {m['support']:>5} {m['n_flagged']:>5}  {_with_ci(m['precision'], m['ci']['precision']):<18} "
            f"{_with_ci(m['recall'], m['ci']['recall']):<18} {_with_ci(m['f1'], m['ci']['f1']):<18} "
            f"{_with_ci(m['pr_auc'], m['ci']['pr_auc']):<18}"
        )
        if "at_prevalence" in m:
            row += f" {_with_ci(m['at_prevalence']['precision'], m['at_prevalence']['ci'])} ved {m['at_prevalence']['prevalence']:g}"
        lines.append(row)
    macro = result["macro"]
    lines.append(
        f"{'makro':<28} {'':>5} {'':>5}  {_with_ci(macro['precision'], macro['ci']['precision']):<18} "
        f"{_with_ci(macro['recall'], macro['ci']['recall']):<18} {_with_ci(macro['f1'], macro['ci']['f1']):<18} "
        f"{_with_ci(macro['pr_auc'], macro['ci']['pr_auc']):<18}"
    )
    missing = result["missing"]
    n_gold_missing = missing["gold_without_prediction"]["count"]
    n_pred_missing = missing["prediction_without_gold"]["count"]
    if n_gold_missing or n_pred_missing:
        lines += ["", f"ADVARSEL: {n_gold_missing} guldnotater uden forudsigelse, {n_pred_missing} forudsigelser uden guldnotat"]
        for key, label in (("gold_without_prediction", "uden forudsigelse"), ("prediction_without_gold", "uden guld")):
            ids = missing[key]["note_ids"]
            if ids:
                lines.append(f"  {label}: {', '.join(ids[:10])}{' …' if len(ids) > 10 else ''}")
    thresholds = result.get("thresholds")
    if thresholds:
        lines += ["", "Valgte tærskler (flag når score ≥ tærskel):"]
        for marker, c in thresholds["chosen"].items():
            lines.append(
                f"  {marker:<28} {c['threshold']:.4f}  ({c['target']} ≥ {c['target_value']:g}: præcision {c['precision']:.3f}, genkaldelse {c['recall']:.3f})"
            )
        for marker, why in thresholds["unreachable"].items():
            lines.append(f"  {marker:<28} ikke opnåeligt: {why}")
        if thresholds.get("written_to"):
            lines.append(f"  skrevet i {thresholds['written_to']}")
    return "\n".join(lines)
