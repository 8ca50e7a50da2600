"""Tests of actors/scheduling/: filters, scores and the vector index held to the plain rule."""
