"""The benchmark runner's pure parts: choosing scenarios, checking what they
return, the table and the exit status (``api/client/benchrun.py``)."""

from __future__ import annotations

import math

import pytest

from api.client.benchrun import (
    ERROR,
    FAILED,
    MISSING,
    OK,
    UsageError,
    exit_code,
    format_table,
    format_value,
    machine_info,
    outcome_of,
    result_problems,
    select,
    summary_line,
)

KNOWN = ("scheduling", "http", "memory")


@pytest.mark.parametrize(
    ("requested", "available", "expected"),
    [
        ([], ["memory", "scheduling"], ["scheduling", "http", "memory"]),  # known ones even when missing
        ([], ["zeta", "memory", "alpha"], ["scheduling", "http", "memory", "alpha", "zeta"]),
        (["memory", "scheduling"], ["memory", "scheduling"], ["scheduling", "memory"]),  # the known order
        (["http"], [], ["http"]),  # known but not written: selected, reported missing later
        (["alpha"], ["alpha"], ["alpha"]),
    ],
)
def test_select_orders_known_scenarios_first(requested, available, expected):
    assert select(requested, available, KNOWN) == expected


def test_select_refuses_a_name_neither_available_nor_known():
    with pytest.raises(UsageError, match="no scenario 'nope'; choose from scheduling, http, memory, alpha"):
        select(["memory", "nope"], ["alpha"], KNOWN)


GOOD = {"figures": {"rate": 12.5}, "checks": {"right": True}}


@pytest.mark.parametrize(
    ("result", "problems"),
    [
        (GOOD, []),
        ({**GOOD, "target": ">= 10", "met": False, "setup": "x"}, []),
        ({**GOOD, "met": None}, []),
        ([1, 2], ["run() returned list, not a dict"]),
        ({"checks": {}}, ["'figures' is missing or not a dict"]),
        ({"figures": {}, "checks": [True]}, ["'checks' is missing or not a dict"]),
        ({"figures": {}, "checks": {"a": 1, "b": "yes"}},
         ["check 'a' is 1, not true or false", "check 'b' is 'yes', not true or false"]),
        ({**GOOD, "met": "yes"}, ["'met' is 'yes', not true, false or null"]),
        ({"figures": {"x": math.nan}, "checks": {}}, ["not JSON: Out of range float values are not JSON compliant"]),
        ({"figures": {"x": object}, "checks": {}}, ["not JSON: Object of type type is not JSON serializable"]),
    ],
)
def test_result_problems_name_what_breaks_the_contract(result, problems):
    assert result_problems(result) == problems


def test_outcome_fails_when_a_check_fails_not_when_a_target_is_missed():
    assert outcome_of({**GOOD, "met": False}, 1.234)["status"] == OK
    failed = outcome_of({"figures": {}, "checks": {"a": True, "b": False}}, 1.0)
    assert failed["status"] == FAILED and failed["seconds"] == 1.0


@pytest.mark.parametrize(
    ("statuses", "code"),
    [([OK, MISSING], 0), ([OK, FAILED], 1), ([ERROR], 1), ([], 0)],
)
def test_exit_code_is_1_only_for_failed_checks_and_scenarios_that_could_not_run(statuses, code):
    report = {"scenarios": {f"s{i}": {"status": s} for i, s in enumerate(statuses)}}
    assert exit_code(report) == code


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "-"), (True, "yes"), (12345, "12,345"), (12345.6, "12,346"), (0.1234, "0.123"), (1.0, "1"),
     ("memory", "memory")],
)
def test_format_value(value, text):
    assert format_value(value) == text


def test_the_table_has_a_row_per_figure_then_the_checks():
    report = {
        "quick": False,
        "machine": {"cpu": "AMD EPYC", "cores": 2, "python": "3.11.7", "date": "2026-11-26T14:00:00Z"},
        "scenarios": {
            "scheduling": {"status": OK, "figures": {"placed/s": 864, "gap": 0.25}, "checks": {"a": True, "b": True},
                           "target": ">= 10,000 placed/s", "met": False, "setup": "5,000 nodes"},
            "memory": {"status": FAILED, "figures": {"RSS (MiB)": 649}, "checks": {"counts": False, "pages": True},
                       "target": None, "met": None},
            "http": {"status": MISSING, "error": "scripts/benchmarks/http.py is not there (yet)"},
        },
    }
    lines = format_table(report).splitlines()
    assert lines[0] == "full run on AMD EPYC, 2 cores, Python 3.11.7, 2026-11-26T14:00:00Z"
    report["machine"]["load_average"] = [5.5, 4.0, 3.0]
    assert format_table(report).splitlines()[0].endswith("2026-11-26T14:00:00Z, load average 5.5 at start")
    rows = [line.split() for line in lines[2:]]
    assert rows[0] == ["scenario", "figure", "value", "target", "met"]
    assert rows[2] == ["scheduling", "placed/s", "864", ">=", "10,000", "placed/s", "NO"]
    assert rows[3] == ["gap", "0.25"]
    assert rows[4] == ["checks", "2/2", "passed"]
    assert rows[5] == ["memory", "RSS", "(MiB)", "649", "-"]
    assert rows[6] == ["checks", "1/2", "passed;", "FAILED:", "counts"]
    assert lines[9] == "http        (missing: scripts/benchmarks/http.py is not there (yet))"
    assert "scheduling: 5,000 nodes" in lines
    assert lines[-1] == "result: FAILED (a check failed or a scenario could not run)"


def test_machine_info_names_the_machine():
    info = machine_info()
    assert info["cpu"] and info["cores"] >= 1 and 1 <= info["cores_usable"] <= info["cores"]
    assert info["python"].startswith("3.") and info["date"].endswith("Z")
    assert len(info["load_average"]) == 3 and all(x >= 0 for x in info["load_average"])


def test_summary_line_reads_the_docstring_without_importing(tmp_path):
    module = tmp_path / "scenario.py"
    module.write_text('"""First line.\n\nMore."""\nraise SystemExit("imported!")\n')
    assert summary_line(str(module)) == "First line."
    assert summary_line(str(tmp_path / "absent.py")) == ""
