"""Tests of api/kube/: the Kubernetes API through falcon.testing, and its pure conversions."""
