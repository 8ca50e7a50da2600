"""The fault harness of issue #17 (under way): a linearizability checker
for compare-and-set registers (checker.py); the clients, the nemesis and the
cluster come next."""
