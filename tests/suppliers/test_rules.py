"""Pure rules: workflow, required documents, the grade score and the search ranking."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suppliers import grading, ranking, rules

DAY = date(2026, 6, 1)


def doc(kind: str, start: int = -100, end: int = 100) -> rules.HeldDocument:
    return rules.HeldDocument(1, kind, DAY + timedelta(days=start), DAY + timedelta(days=end))


# --- workflow and documents -----------------------------------------------------------------


def test_every_status_has_its_transitions_and_revocation_is_final() -> None:
    assert set(rules.TRANSITIONS) == set(rules.STATUSES)
    assert rules.can_move("applied", "under_review")
    assert rules.can_move("under_review", "qualified")
    assert not rules.can_move("applied", "qualified")
    assert not rules.can_move("expired", "qualified")  # re-qualification is reviewed
    assert rules.TRANSITIONS["revoked"] == frozenset()


@pytest.mark.parametrize(
    ("producer", "categories", "needed"),
    [
        (False, {"water"}, {"business licence"}),
        (True, {"water"}, {"business licence", "production licence"}),
        (False, {"medical", "ppe"}, {"business licence", "ISO 13485 or a medical device licence"}),
    ],
)
def test_required_documents_follow_the_supplier_and_its_categories(
    producer: bool, categories: set[str], needed: set[str]
) -> None:
    names = {r.name for r in rules.required(is_producer=producer, categories=categories)}
    assert names == needed


def test_a_lapsed_required_document_makes_a_qualified_supplier_show_expired() -> None:
    held = [doc("business_licence", -400, -1), doc("iso13485")]
    shown = rules.effective_status(
        "qualified", is_producer=False, categories={"medical"}, documents=held, day=DAY
    )
    assert shown == "expired"
    needs = rules.required(is_producer=False, categories={"medical"})
    assert [r.name for r in rules.lapsed(needs, held, DAY)] == ["business licence"]
    assert rules.completeness(needs, held, DAY) == 0.5


def test_a_medical_device_licence_stands_in_for_iso_13485() -> None:
    held = [doc("business_licence"), doc("medical_device_licence")]
    shown = rules.effective_status(
        "qualified", is_producer=False, categories={"medical"}, documents=held, day=DAY
    )
    assert shown == "qualified"


def test_a_document_not_yet_valid_does_not_count() -> None:
    held = [doc("business_licence", 1, 300)]
    needs = rules.required(is_producer=False, categories=set())
    assert rules.unmet(needs, held, DAY) == needs
    assert rules.lapsed(needs, held, DAY) == []  # missing, not expired


# --- grades ---------------------------------------------------------------------------------


def inputs(**over: object) -> grading.ScoreInputs:
    base: dict[str, object] = {
        "deliveries": 10,
        "on_time": 10,
        "delivered_units": 1000,
        "rejected_units": 0,
        "price_index": 1.0,
        "daily_capacity": 500,
        "largest_daily_capacity": 500,
        "document_completeness": 1.0,
    }
    base.update(over)
    return grading.ScoreInputs(**base)  # type: ignore[arg-type]


def test_a_perfect_record_is_grade_a_with_full_marks() -> None:
    result = grading.grade(inputs())
    assert (result.grade, result.score) == ("A", 100.0)


def test_no_deliveries_means_no_grade_rather_than_a_guess() -> None:
    result = grading.grade(inputs(deliveries=0, on_time=0))
    assert result.grade is None
    assert "no deliveries" in result.reason


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"on_time": 6}, "A"),  # 100 - 35 * 0.4 = 86
        ({"on_time": 5}, "B"),  # 100 - 35 * 0.5 = 82.5
        ({"on_time": 2, "rejected_units": 300}, "C"),  # 100 - 28 - 7.5 = 64.5
        ({"price_index": 2.0, "on_time": 7}, "B"),  # 100 - 10.5 - 7.5 = 82
    ],
)
def test_grades_follow_the_weighted_score(over: dict[str, object], expected: str) -> None:
    result = grading.grade(inputs(**over))
    assert result.score == pytest.approx(sum(result.points.values()))
    assert result.grade == grading.letter(result.score or 0)
    assert result.grade == expected


@given(
    st.integers(1, 50).flatmap(
        lambda n: st.tuples(st.just(n), st.integers(0, n), st.integers(1, 10_000))
    ),
    st.integers(0, 10_000),
    st.floats(0.1, 10),
    st.integers(0, 10_000),
    st.floats(0, 1),
)
def test_the_score_is_between_0_and_100_and_each_part_a_fraction(
    counts: tuple[int, int, int], rejected: int, price: float, cap: int, docs: float
) -> None:
    n, on_time, units = counts
    result = grading.grade(
        inputs(
            deliveries=n,
            on_time=on_time,
            delivered_units=units,
            rejected_units=min(rejected, units),
            price_index=price,
            daily_capacity=cap,
            largest_daily_capacity=10_000,
            document_completeness=docs,
        )
    )
    assert result.score is not None
    assert 0 <= result.score <= 100
    assert all(0 <= v <= 1 for v in result.parts.values())


# --- ranking --------------------------------------------------------------------------------


def cand(sid: int, **over: object) -> ranking.Candidate:
    base: dict[str, object] = {
        "supplier_id": sid,
        "supplier_name": f"S{sid}",
        "latitude": 30.5,
        "longitude": 114.3,
        "delivery_radius_km": None,
        "grade": None,
        "unit_price_minor": 100,
    }
    base.update(over)
    return ranking.Candidate(**base)  # type: ignore[arg-type]


@given(
    st.integers(0, 10_000),
    st.integers(0, 72),
    st.integers(0, 5_000),
    st.integers(0, 5_000),
    st.integers(0, 72),
    st.integers(1, 50_000),
)
def test_hours_until_is_the_first_hour_the_quantity_is_ready(
    reserved: int, activation: int, surge: int, capacity: int, lead: int, quantity: int
) -> None:
    c = cand(
        1,
        reserved_quantity=reserved,
        activation_lead_time_h=activation,
        surge_per_day=surge,
        daily_capacity=capacity,
        lead_time_h=lead,
    )
    hours = ranking.hours_until(c, quantity)
    if hours is None:
        assert surge == 0
        assert capacity == 0
        assert ranking.supplied_by(c, 10_000) < quantity
        return
    assert ranking.supplied_by(c, hours) >= quantity - 1e-6
    assert hours == 0 or ranking.supplied_by(c, hours - 1e-3) < quantity


def test_in_time_first_then_most_delivered_then_grade_then_price() -> None:
    here = {"latitude": 30.5, "longitude": 114.3}
    found = ranking.rank(
        [
            cand(1, daily_capacity=240, lead_time_h=0),  # 10 per hour: 100 in 10 h
            cand(2, reserved_quantity=100, activation_lead_time_h=4, grade="B"),
            cand(3, reserved_quantity=100, activation_lead_time_h=4, grade="A"),
            cand(4, reserved_quantity=100, activation_lead_time_h=1, latitude=60.0),  # far
            cand(5, reserved_quantity=100, delivery_radius_km=1, latitude=30.6),  # out of area
        ],
        quantity=100,
        within_h=6,
        **here,
    )
    assert [r.candidate.supplier_id for r in found] == [3, 2, 1, 4]
    assert [r.feasible for r in found] == [True, True, False, False]
    assert found[2].quantity_within == 60
    assert "grade A" in found[0].reason
    assert "delivers 60 of 100" in found[2].reason
