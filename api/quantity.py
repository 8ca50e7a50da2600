"""Kubernetes quantity strings to the integer units the control plane uses.

cpu: an integer is millicores; a string is a Kubernetes quantity in cores
(``"2"`` = 2000, ``"500m"`` = 500, ``"1.5"`` = 1500).
memory: an integer is MiB; a string is a Kubernetes quantity in bytes
(``"512Mi"`` = 512, ``"8Gi"`` = 8192, ``"1G"`` = 954, ``"1048576"`` = 1).
gpu (a task's request): a number of devices, in milli-GPU: below 1 a share
of one device (``0.5`` or ``"500m"`` = 500), else whole devices (``2`` or
``"2"`` = 2000; ``1.5`` is refused: a share never spans devices), a share
rounded up to whole thousandths like cpu (``0.0015`` = 2). A node's GPU
capacity is a whole number of devices.

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
MAX_GPUS = 64  # devices on one node, or asked by one task

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


def gpu_milli(value: object, field: str = "gpu") -> int:
    """A task's GPU request in milli-GPU (see the module's docstring)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValidationError(field, f"must be a number of GPUs (0.5 for half of one, 2 for two) or a quantity "
                              f"string such as '500m', not {type(value).__name__}")
    if isinstance(value, str):
        amount = _converted(lambda text: parse_quantity(text, "gpu"), value, field)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(field, f"must be a finite number of GPUs, not {value}")
        amount = Fraction(value)
    else:
        amount = Fraction(value)
    if amount < 0:
        raise ValidationError(field, f"must not be negative, got {value}")
    if amount > MAX_GPUS:
        raise ValidationError(field, f"must be at most {MAX_GPUS} GPUs, got {value}")
    if 0 < amount < 1:  # a share: rounded up to whole thousandths (at least one), as cpu is to millicores
        amount = Fraction(max(math.ceil(round(amount * 1000, 9)), 1), 1000)
    milli = amount * 1000
    if amount > 1 and amount.denominator != 1:
        raise ValidationError(field, f"must be a share of one GPU (below 1) or whole GPUs, not {value}: "
                              "a share never spans devices")
    if milli.denominator != 1:  # not reached: whole amounts are checked above, shares rounded
        raise ValidationError(field, f"must be a whole number of thousandths of a GPU (0.001 at least), "
                              f"not {value}")
    return int(milli)


def gpu_devices(value: object, field: str = "gpu") -> int:
    """A node's GPU capacity: a whole number of devices, 0 to MAX_GPUS."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 3:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_GPUS:
        raise ValidationError(field, f"must be a whole number of GPU devices from 0 to {MAX_GPUS}, not {value!r}")
    return value
