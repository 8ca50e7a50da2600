"""The fault harness of issue #17: clients against three API servers on a
three-member etcd cluster while a nemesis kills, pauses and restarts them;
every call recorded, each key's history checked for linearizability, the
end state for the invariants. checker.py (the model and the search),
history.py (calls into operations), clients.py, nemesis.py, cluster.py,
invariants.py, harness.py (one run); scripts/faults.py runs long ones."""
