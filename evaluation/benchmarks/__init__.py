"""Speed and memory benchmarks: `make bench` (python -m evaluation.benchmarks.run)."""
