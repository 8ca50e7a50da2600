"""Table tests for Kubernetes quantity parsing (pure functions)."""

from __future__ import annotations

import pytest

from actors.domain.errors import ValidationError
from api.quantity import MAX_CPU, MAX_MEMORY, cpu_millicores, memory_mib


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (1, 1),
        (500, 500),
        (4000, 4000),
        (MAX_CPU, MAX_CPU),
        ("500m", 500),
        ("2", 2000),
        ("1.5", 1500),
        ("0.1m", 1),  # rounded up
        ("0.0001", 1),  # a tenth of a millicore, rounded up
        ("1.0001m", 2),
        ("0", 0),
        ("0m", 0),
        ("0.5", 500),
        (".5", 500),
        ("1.", 1000),
        ("+1", 1000),
        ("1k", 1_000_000),
        ("1000000", MAX_CPU),
    ],
)
def test_cpu_millicores(value, expected):
    result = cpu_millicores(value)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (512, 512),
        (8192, 8192),
        (MAX_MEMORY, MAX_MEMORY),
        ("512Mi", 512),
        ("8Gi", 8192),
        ("1G", 954),  # 10**9 bytes is 953.67 MiB, rounded up
        ("1048576", 1),
        ("1048577", 2),
        ("1", 1),  # one byte still needs a MiB
        ("0", 0),
        ("1Ki", 1),
        ("1024Ki", 1),
        ("1M", 1),  # 10**6 bytes is 0.95 MiB
        ("1.5Gi", 1536),
        ("1Ti", 1024 * 1024),
        ("1Mi", 1),
        ("0.5Mi", 1),
    ],
)
def test_memory_mib(value, expected):
    result = memory_mib(value)
    assert result == expected
    assert type(result) is int


BAD_VALUES = [
    True,
    False,
    1.0,
    0.5,
    float("nan"),
    None,
    [],
    [1],
    {},
    -1,
    "5x",
    "",
    " 1",
    "1 ",
    "1e3",
    "1E3",
    "--1",
    "-1",
    "-1m",
    "٣",  # Arabic-Indic digit three
    "１",  # fullwidth digit one
    "²",
    "1.2.3",
    "m",
    ".",
    "Mi",
    "1mi",
    "1 Mi",
    "1\n",
    "0x10",
    "1_000",
    "1/2",
    "inf",
    "nan",
    "1" * 65,  # too long to be a quantity
]


@pytest.mark.parametrize("parse", [cpu_millicores, memory_mib])
@pytest.mark.parametrize("value", BAD_VALUES)
def test_rejects_bad_values_naming_the_field(parse, value):
    with pytest.raises(ValidationError) as info:
        parse(value, "resources.x")
    assert info.value.field == "resources.x"
    assert str(info.value).startswith("resources.x: ")


@pytest.mark.parametrize(
    ("parse", "value"),
    [
        (cpu_millicores, MAX_CPU + 1),
        (cpu_millicores, "1000001"),  # cores
        (cpu_millicores, "1E"),
        (cpu_millicores, "9" * 64),
        (memory_mib, MAX_MEMORY + 1),
        (memory_mib, "2Ei"),  # 2**61 bytes = 2**41 MiB
        (memory_mib, 10**30),
    ],
)
def test_rejects_too_large(parse, value):
    with pytest.raises(ValidationError, match="at most") as info:
        parse(value, "capacity.cpu")
    assert info.value.field == "capacity.cpu"


@pytest.mark.parametrize(("parse", "field"), [(cpu_millicores, "cpu"), (memory_mib, "memory")])
def test_default_field_names(parse, field):
    with pytest.raises(ValidationError) as info:
        parse("nope")
    assert info.value.field == field


@pytest.mark.parametrize("parse", [cpu_millicores, memory_mib])
def test_negative_int_is_rejected_as_negative(parse):
    with pytest.raises(ValidationError, match="negative") as info:
        parse(-5, "f")
    assert info.value.field == "f"


@pytest.mark.parametrize("parse", [cpu_millicores, memory_mib])
def test_error_for_a_wrong_type_names_the_type(parse):
    with pytest.raises(ValidationError, match="float"):
        parse(1.5, "f")


def test_a_long_bad_string_is_shown_shortened():
    with pytest.raises(ValidationError) as info:
        cpu_millicores("x" * 10_000, "cpu")
    assert len(str(info.value)) < 200


@pytest.mark.parametrize("parse", [cpu_millicores, memory_mib])
def test_a_remembered_conversion_is_the_same_and_an_error_always_names_its_field(parse):
    # Conversions of strings are cached; errors are not, and name the field asked about.
    assert parse("3k") == parse("3k") == (1 if parse is memory_mib else 3_000_000)
    for field in ("resources.cpu", "template.resources.memory", "capacity.cpu"):
        with pytest.raises(ValidationError) as raised:
            parse("lots", field)
        assert raised.value.field == field
        assert str(raised.value).startswith(f"{field}: ")
