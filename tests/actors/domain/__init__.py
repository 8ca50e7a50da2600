"""Tests of actors/domain/: the pure rules, table-driven, no threads."""
