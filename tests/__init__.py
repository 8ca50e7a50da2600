"""The test suite; it mirrors the source tree (actors/, api/) and adds e2e/ and etcd/. Tests may import anything."""
