"""Classifiers behind one interface; the registry of trained model directories; the shipped default."""

from models.registry import available_models, load

__all__ = ["available_models", "load"]
