"""The clients: programs that talk to a running server over HTTP only.

Holds the kubectl-style commands (:mod:`~api.client.commands`, tables in
:mod:`~api.client.tables`, the server's rules for ``apply`` in
:mod:`~api.client.normalize`), load runs (:mod:`~api.client.loadplan`,
:mod:`~api.client.loadrun`, :mod:`~api.client.loadreport`,
:mod:`~api.client.loadplot`, on :mod:`~api.client.loadgen`), the raw load
generator (:mod:`~api.client.rawload`) and the benchmark runner
(:mod:`~api.client.benchrun`).

May import: :mod:`api.client`, the standard library and third-party packages.
Nothing of :mod:`actors` and no :mod:`api` module outside :mod:`api.client`, so
a client runs with only its own dependencies (``tests/test_layout.py`` checks
it). A client that needs a server starts one as a process
(``loadgen.ServerProcess`` runs ``python -m api.cli``).
"""
