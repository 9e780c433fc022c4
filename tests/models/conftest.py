"""Test helpers beside this file (gold_splits, tiny_bert) are importable: importlib mode adds no paths."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
