"""Metrics, threshold choice, calibration, reports and benchmarks."""
