"""Label and field selectors, as kube-apiserver reads them."""

from __future__ import annotations

import pytest

from api.kube.selectors import SelectorError, field_selector, label_selector

LABELS = {"app": "web", "tier": "front", "version": "3"}


@pytest.mark.parametrize(("selector", "matches"), [
    ("app=web", True), ("app==web", True), ("app!=web", False), ("app=db", False),
    ("app in (web, db)", True), ("app notin (web)", False), ("app notin (db)", True),
    ("tier", True), ("!tier", False), ("missing", False), ("!missing", True),
    ("app=web,tier=front", True), ("app=web,tier=back", False),
    ("version>2", True), ("version<3", False), ("missing!=x", True),
    ("", True), ("  ", True),
])
def test_label_selector(selector, matches):
    predicate = label_selector(selector)
    assert (predicate is None or predicate(LABELS)) is matches


@pytest.mark.parametrize("selector", ["app in (web", "app=web)", "=web", "app=we b", "version>x", "a in (b c)"])
def test_bad_label_selectors(selector):
    with pytest.raises(SelectorError):
        label_selector(selector)


def test_field_selector():
    predicate = field_selector("spec.nodeName=n1,status.phase!=Failed", frozenset({"spec.nodeName", "status.phase"}))
    assert predicate({"spec.nodeName": "n1", "status.phase": "Running"})
    assert not predicate({"spec.nodeName": "n1", "status.phase": "Failed"})
    assert not predicate({"spec.nodeName": "n2", "status.phase": "Running"})
    with pytest.raises(SelectorError, match="field label not supported: spec.other"):
        field_selector("spec.other=x", frozenset({"spec.nodeName"}))
    with pytest.raises(SelectorError, match="invalid field selector"):
        field_selector("spec.nodeName in (a)", frozenset({"spec.nodeName"}))
