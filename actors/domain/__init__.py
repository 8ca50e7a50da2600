"""The domain: records, errors and the rules that change them, with no actors
and no threads.

Holds the records and their units (:mod:`~actors.domain.models`), the error
hierarchy the API maps to HTTP (:mod:`~actors.domain.errors`), task status
transitions (:mod:`~actors.domain.lifecycle`), rollouts
(:mod:`~actors.domain.rollout`), events (:mod:`~actors.domain.events`),
compare-and-swap retries (:mod:`~actors.domain.retry`) and the views the
datastore answers the controller with (:mod:`~actors.domain.views`).

May import: :mod:`actors.domain`, :mod:`actors.scheduling` (a rollout asks
whether a task fits anywhere), the standard library, numpy and orjson. No actor
module and nothing of :mod:`api` (``tests/test_layout.py`` checks it).
"""
