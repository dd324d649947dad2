"""Deterministic demo-data generator for the raw layer (see generator.raw_data)."""
