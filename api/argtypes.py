"""Command-line argument types the ``orchestrator`` commands share: each
turns a flag's text into a value or an ``argparse`` error naming it."""

from __future__ import annotations

import argparse


def _whole(text: str, least: int, says: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {says}, not {text}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be {says}, not {text}")
    return value


def positive_int(text: str) -> int:
    return _whole(text, 1, "a positive whole number")


def non_negative_int(text: str) -> int:
    """A seed: NumPy's generators take no negative one."""
    return _whole(text, 0, "a whole number, 0 or more")


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text}")
    return value



def score_weight(text: str) -> tuple[str, int]:
    """``NAME=WEIGHT``: a score plug-in of the ``spread``/``binpack`` profile
    and its weight, 0 (off) to 100."""
    from actors.scheduling.plugins.profiles import DEFAULT_WEIGHTS, MAX_WEIGHT

    name, equals, weight = text.partition("=")
    if not equals or name not in DEFAULT_WEIGHTS:
        raise argparse.ArgumentTypeError(
            f"must be NAME=WEIGHT with NAME one of {', '.join(DEFAULT_WEIGHTS)}, not {text}")
    value = _whole(weight, 0, f"NAME=WEIGHT with WEIGHT a whole number from 0 to {MAX_WEIGHT}")
    if value > MAX_WEIGHT:
        raise argparse.ArgumentTypeError(f"the weight must be a whole number from 0 to {MAX_WEIGHT}, not {weight}")
    return name, value
