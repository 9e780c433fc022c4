"""Describe the machine a benchmark ran on, so figures from different machines are not compared blind."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import psutil


def cpu_model() -> str:
    """The CPU's marketing name from /proc/cpuinfo (Linux), else what platform reports."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.lower().startswith("model name") and ":" in line:
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown"


def describe_machine() -> dict[str, str | int | float]:
    memory = psutil.virtual_memory()
    return {
        "cpu": cpu_model(),
        "cores_logical": os.cpu_count() or 0,
        "cores_physical": psutil.cpu_count(logical=False) or 0,
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 0),
        "ram_gib": round(memory.total / 2**30, 1),
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
    }


def machine_line(machine: dict) -> str:
    """One line for the results table's header."""
    return (
        f"{machine['cpu']}, {machine['cpus_usable']} usable cores ({machine['cores_logical']} logical), "
        f"{machine['ram_gib']} GiB RAM, Python {machine['python']}, {machine['os']}"
    )
