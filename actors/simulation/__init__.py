"""Simulations run on the control plane's own policy code: the paper's
placement experiment (:mod:`~actors.simulation.placement`) over traces read
by :mod:`~actors.simulation.openb`.
"""
