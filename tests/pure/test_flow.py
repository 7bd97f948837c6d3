import pytest
from flow import (
    cumulative_shares,
    expected_funded,
    forecast_table,
    funding_probability,
    funnel,
    median,
    median_days,
    percent,
    progression,
    sankey,
)


def test_funnel_counts_ratios_and_drops():
    steps = funnel(
        {
            "awaiting_info": 200,
            "contact_info_received": 150,
            "contact_made": 60,
            "appointment_made": 30,
            "initial_consult": 27,
            "retainer_signed": 9,
            "retainer_funded": 0,
        }
    )
    by_role = {step["milestone"]: step for step in steps}
    assert [step["count"] for step in steps] == [200, 150, 60, 30, 27, 9, 0]
    assert by_role["awaiting_info"]["from_previous"] == 100.0
    assert by_role["contact_made"]["previous"] == 150
    assert by_role["contact_made"]["dropped"] == 90
    assert by_role["contact_made"]["from_previous"] == 40.0
    assert by_role["contact_made"]["from_top"] == 30.0
    assert by_role["initial_consult"]["from_previous"] == 90.0
    assert by_role["retainer_funded"]["from_previous"] == 0.0
    assert by_role["retainer_funded"]["dropped"] == 9


def test_funnel_of_nobody_has_no_ratios():
    steps = funnel({})
    assert all(step["from_top"] is None for step in steps)
    assert percent(1, 0) is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], None), ([4], 4.0), ([5, 1, 3], 3.0), ([1, 2, 3, 10], 2.5)],
)
def test_median(values, expected):
    assert median(values) == expected


def test_cumulative_shares_and_median_days():
    # Four funded leads: two within a day, one after 2 days, one after 5.
    counts = {0: 2, 2: 1, 5: 1}
    assert cumulative_shares(counts) == [0.5, 0.5, 0.75, 0.75, 0.75, 1.0]
    assert median_days(counts) == 1.0
    assert cumulative_shares({}) == []
    assert median_days({}) is None


def test_funding_probability_conditions_on_age():
    # Half of the resolved leads funded; of those, half within 5 days and
    # all within 25.
    shares = cumulative_shares({5: 1, 25: 1})
    # A new lead: P(T <= 30) = 1/2 * F(30) = 1/2.
    assert funding_probability(0.5, shares, 0, 30) == pytest.approx(0.5)
    # Within 10 days: 1/2 * F(10) = 1/4.
    assert funding_probability(0.5, shares, 0, 10) == pytest.approx(0.25)
    # Ten days old and not funded: 1/2 * (1 - 1/2) / (1 - 1/4) = 1/3.
    assert funding_probability(0.5, shares, 10, 30) == pytest.approx(1 / 3)
    # Older than any funded lead ever was: no chance left.
    assert funding_probability(0.5, shares, 26, 90) == 0.0
    # Ages count in whole days.
    assert funding_probability(0.5, shares, 10.9, 30) == pytest.approx(1 / 3)
    # Nothing ever funded from there.
    assert funding_probability(0.0, shares, 0, 30) == 0.0
    assert funding_probability(0.5, [], 0, 30) == 0.0


def test_forecast_table_and_expected_totals():
    table = forecast_table(
        {
            "contact_made": (4, 2, {5: 1, 25: 1}),
            "retainer_signed": (0, 0, {}),
        }
    )
    made = table["contact_made"]
    assert made["rate"] == 50.0
    assert made["median_days"] == 15.0
    assert len(made["probabilities"][30]) == 26
    assert made["probabilities"][30][10] == pytest.approx(1 / 3)
    assert made["probabilities"][30][0] == pytest.approx(0.5)
    assert table["retainer_signed"]["rate"] == 0.0
    assert table["retainer_signed"]["probabilities"][90] == []

    totals = expected_funded(
        table,
        [
            ("contact_made", 0, 1000.0),  # 1/2
            ("contact_made", 10.5, 3000.0),  # 1/3
            ("contact_made", 40, 5000.0),  # too old: 0
            ("retainer_signed", 1, 9000.0),  # no history: 0
            ("initial_consult", 1, 9000.0),  # not in the table: 0
        ],
    )
    retainers, fees = totals["contact_made"][30]
    assert retainers == pytest.approx(0.5 + 1 / 3)
    assert fees == pytest.approx(500.0 + 1000.0)
    assert totals["retainer_signed"][60] == (0.0, 0.0)
    assert totals["initial_consult"][90] == (0.0, 0.0)


def test_progression_moves_forward_only():
    assert progression(
        [
            "awaiting_info",
            "contact_made",  # a skip is one step
            "waiting_on",
            "contact_made",  # back from waiting: not progress
            "appointment_made",
            "contact_made",  # a step back: not progress
            "lost",
        ]
    ) == [
        ("awaiting_info", "contact_made"),
        ("contact_made", "appointment_made"),
        ("appointment_made", "lost"),
    ]
    assert progression(["contact_info_received"]) == []
    assert progression(["contact_made", "retainer_funded"]) == [
        ("contact_made", "retainer_funded")
    ]
    # Parked in Waiting On now: flows there from the furthest milestone.
    assert progression(["retainer_signed", "waiting_on"]) == [
        ("retainer_signed", "waiting_on")
    ]
    # A lead with no main-path history has no flow.
    assert progression([None, "lost"]) == []


def test_sankey_nodes_in_path_order_with_starters():
    data = sankey(
        {
            ("contact_made", "lost"): 3,
            ("contact_info_received", "contact_made"): 2,
            ("contact_made", "appointment_made"): 4,
            ("appointment_made", "refused"): 0,
        }
    )
    assert [node["key"] for node in data["nodes"]] == [
        "contact_info_received",
        "contact_made",
        "appointment_made",
        "lost",
    ]
    leads = {node["key"]: node["leads"] for node in data["nodes"]}
    # Contact Made: 2 flow in, 7 flow out (5 leads started there).
    assert leads == {
        "contact_info_received": 2,
        "contact_made": 7,
        "appointment_made": 4,
        "lost": 3,
    }
    assert data["links"][0] == {
        "from": "contact_info_received",
        "to": "contact_made",
        "leads": 2,
    }
    columns = {node["key"]: node["column"] for node in data["nodes"]}
    assert columns["lost"] == 7
    assert columns["contact_made"] == 2
    assert sankey({}, labels={}) == {"nodes": [], "links": []}
