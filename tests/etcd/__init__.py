"""Tests against a three-member etcd cluster of their own on loopback (cluster.py)."""
