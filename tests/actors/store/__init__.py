"""Tests of actors/store/: the codec and the SQLite backend (etcd is in tests/etcd/)."""
