"""One reading: a dashboard view asks each marked selector once, though its figure collector and
its section both ask for it; outside a reading every call reads afresh."""

import pytest
from django.urls import reverse

from operations.registry import Figure, Section, one_reading, read_once, register_figures, register_section


def counting():
    calls = []

    @read_once
    def selector(viewer=None, *, points=1):
        calls.append((viewer, points))
        return len(calls)

    return selector, calls


def test_within_one_reading_the_same_question_is_answered_once():
    selector, calls = counting()
    with one_reading():
        assert selector(None, points=1) == selector(None, points=1) == 1
        assert selector(None, points=8) == 2  # another question
    assert calls == [(None, 1), (None, 8)]


def test_outside_a_reading_every_call_reads_afresh():
    selector, calls = counting()
    assert selector() == 1 and selector() == 2
    with one_reading():
        selector()
    with one_reading():  # a new reading knows nothing of the last one
        selector()
    assert len(calls) == 4


@pytest.mark.django_db
def test_the_dashboard_reads_a_figure_its_section_also_shows_once(client, dave, test_templates):
    selector, calls = counting()
    register_figures("test.shared", lambda: [Figure("concord_test_shared", "Shared.", samples=[({}, selector())])])
    register_section(Section(key="shared", title="Shared", template="ops_test/section.html",
                             context=lambda request: {"waiting": selector()}))
    client.force_login(dave)  # the council: sees everything, as /metrics counts
    assert client.get(reverse("operations:dashboard")).status_code == 200
    assert client.get(reverse("operations:dashboard")).status_code == 200
    assert len(calls) == 2  # once per view
