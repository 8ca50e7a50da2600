"""Tests of actors/: each actor on a fake clock, and the pure rules beside them."""
