"""Tests of api/: the Falcon app through falcon.testing over the real actors, on every store."""
