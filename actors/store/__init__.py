"""Where the datastore's state lasts: its backends, and transactions as data.

Holds the backend protocol and shared base (:mod:`~actors.store.backend`),
the backends (:mod:`~actors.store.memory`, :mod:`~actors.store.sqlite`,
:mod:`~actors.store.etcd` with its client :mod:`~actors.store.etcd_client`),
the choice of one from ``--store`` (:mod:`~actors.store.backends`), the record
codec (:mod:`~actors.store.codec`) and the guarded operations a transaction is
made of (:mod:`~actors.store.ops`).

May import: :mod:`actors.store`, :mod:`actors.domain`, the standard library
and third-party packages. Of the actor modules only :mod:`actors.store.etcd`
imports any: :mod:`actors.datastore` and :mod:`actors.reply`, because on etcd
the datastore itself changes (``EtcdDatastore`` extends ``Datastore`` and
completes its replies). Nothing of :mod:`api` (``tests/test_layout.py``
checks it).
"""
