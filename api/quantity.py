"""Kubernetes quantity strings to the integer units the control plane uses.

cpu: an integer is millicores; a string is a Kubernetes quantity in cores
(``"2"`` = 2000, ``"500m"`` = 500, ``"1.5"`` = 1500).
memory: an integer is MiB; a string is a Kubernetes quantity in bytes
(``"512Mi"`` = 512, ``"8Gi"`` = 8192, ``"1G"`` = 954, ``"1048576"`` = 1).

A value that is not a whole number of the unit is rounded up, as the kubelet
rounds requests up: asking for a little more is safe, a little less is not.
"""

from __future__ import annotations

import functools
import math
import re
from fractions import Fraction

from actors.domain.errors import ValidationError

MAX_CPU = 10**9  # millicores: a million cores
MAX_MEMORY = 2**40  # MiB: a zebibyte is plenty for a simulation

_SUFFIXES = {
    "": Fraction(1),
    "m": Fraction(1, 1000),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
}
_QUANTITY = re.compile(r"\+?([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?")


def parse_quantity(text: str, field: str) -> Fraction:
    """A Kubernetes quantity (no exponents) as an exact fraction of base units."""
    match = _QUANTITY.fullmatch(text) if len(text) <= 64 else None
    if match is None:
        raise ValidationError(field, f"'{text[:64]}' is not a quantity like '500m', '2', '512Mi' or '8Gi'")
    number, suffix = match.groups()
    return Fraction(number) * _SUFFIXES[suffix or ""]


# Clients send the same few quantity strings over and over ("250m", "64Mi"),
# and exact Fraction arithmetic is most of the cost of validating a task:
# remember the last conversions. Only valid strings are kept (an invalid one
# raises, and lru_cache keeps no exceptions), each at most 64 characters.
_CACHED_QUANTITIES = 4096


@functools.lru_cache(maxsize=_CACHED_QUANTITIES)
def _millicores(text: str) -> int:
    return math.ceil(parse_quantity(text, "cpu") * 1000)


@functools.lru_cache(maxsize=_CACHED_QUANTITIES)
def _mib(text: str) -> int:
    return math.ceil(parse_quantity(text, "memory") / 2**20)


def _converted(convert, text: str, field: str) -> int:
    try:
        return convert(text)
    except ValidationError as exc:  # it names a generic field: name the real one
        raise ValidationError(field, exc.message) from None


def _integer(value: object, field: str, unit: str, maximum: int, from_text) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationError(field, f"must be an integer ({unit}) or a quantity string, not {type(value).__name__}")
    amount = value if isinstance(value, int) else from_text(value)
    if amount < 0:
        raise ValidationError(field, f"must not be negative, got {value}")
    if amount > maximum:
        raise ValidationError(field, f"must be at most {maximum} {unit}, got {value}")
    return amount


def cpu_millicores(value: object, field: str = "cpu") -> int:
    return _integer(
        value, field, "millicores", MAX_CPU,
        lambda text: _converted(_millicores, text, field),
    )


def memory_mib(value: object, field: str = "memory") -> int:
    return _integer(
        value, field, "MiB", MAX_MEMORY,
        lambda text: _converted(_mib, text, field),
    )
