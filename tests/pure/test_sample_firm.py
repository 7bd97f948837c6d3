"""The sample firm generator: deterministic, well-formed, and shaped like the
intake funnel in shared/INTAKE_FACTS.md. Plain pytest, no Odoo."""

import collections
import datetime as dt
import itertools
import re
import time
from types import SimpleNamespace

import pytest
import sample_firm
from sample_firm import (
    APPOINTMENT_MADE,
    AWAITING_INFO,
    CONTACT_INFO_RECEIVED,
    CONTACT_MADE,
    INITIAL_CONSULT,
    LOST,
    MAIN_PATH,
    REFUSED,
    RETAINER_FUNDED,
    RETAINER_SIGNED,
    ROLES,
    WAITING_ON,
    classify_move,
    funnel_counts,
    generate,
    move_rows,
)

UTC = dt.timezone.utc
OPEN_ROLES = sample_firm.milestones.OPEN_ROLES
CLOSED_ROLES = sample_firm.milestones.CLOSED_ROLES
FIRM_SIZE = 2000


@pytest.fixture(scope="module")
def firm():
    return generate(FIRM_SIZE, seed=2026)


@pytest.fixture(scope="module")
def pncs(firm):
    return list(firm.pncs)


@pytest.fixture(scope="module")
def moves(pncs):
    return [(pnc, row) for pnc in pncs for row in move_rows(pnc)[1:]]


def funded_rate(pncs):
    return sum(pnc.final_role == RETAINER_FUNDED for pnc in pncs) / len(pncs)


# Determinism and size ------------------------------------------------------


def test_same_seed_gives_the_same_firm():
    first, second = generate(300, seed=11), generate(300, seed=11)
    assert list(first.pncs) == list(second.pncs)
    assert first.salespeople == second.salespeople
    assert (first.start, first.end) == (second.start, second.end)


def test_iterating_twice_gives_the_same_leads():
    firm = generate(50, seed=3)
    assert list(firm.pncs) == list(firm.pncs)


def test_another_seed_gives_another_firm():
    ours = list(generate(300, seed=11).pncs)
    theirs = list(generate(300, seed=12).pncs)
    assert [p.contact_name for p in ours] != [p.contact_name for p in theirs]
    assert [p.history for p in ours] != [p.history for p in theirs]


def test_end_defaults_to_a_fixed_date_and_sets_the_year():
    assert generate(10).end == sample_firm.DEFAULT_END
    end = dt.datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    firm = generate(200, seed=5, end=end)
    assert firm.start == end - dt.timedelta(days=365)
    assert list(firm.pncs) == list(generate(200, seed=5, end=end).pncs)
    for pnc in firm.pncs:
        assert firm.start <= pnc.created
        assert pnc.history[-1][1] < end


def test_a_naive_end_is_taken_as_utc():
    naive = dt.datetime(2024, 3, 1, 12, 0)
    assert generate(5, end=naive).end == naive.replace(tzinfo=UTC)


@pytest.mark.parametrize("size", [0, 1, 123])
def test_the_firm_has_as_many_leads_as_asked(size):
    firm = generate(size, seed=1)
    pncs = list(firm.pncs)
    assert len(firm.pncs) == len(pncs) == size
    assert [pnc.number for pnc in pncs] == list(range(1, size + 1))
    assert len({pnc.reference for pnc in pncs}) == size


def test_leads_are_numbered_in_order_of_creation(pncs):
    created = [pnc.created for pnc in pncs]
    assert created == sorted(created)


def test_a_hundred_thousand_leads_stream_in_seconds():
    firm = generate(100_000, seed=9)
    started = time.monotonic()
    count = sum(1 for _pnc in firm.pncs)
    elapsed = time.monotonic() - started
    assert count == 100_000
    # About 5 s on a developer machine; generous for a loaded CI box.
    assert elapsed < 30, elapsed


# Reference data ------------------------------------------------------------


def test_reference_data(firm):
    assert 4 <= len(firm.salespeople) <= 6
    for person in firm.salespeople:
        assert re.fullmatch(r"[a-z]+(\.[a-z]+)+@sample-firm\.example", person.login)
    assert [source.name for source in firm.sources] == [
        "Referral",
        "Website form",
        "Google Ads",
        "Legal directory",
        "Phone call",
        "Walk-in",
    ]
    assert {area.key for area in firm.practice_areas} == {
        "family",
        "estate_planning",
        "criminal_defence",
        "personal_injury",
        "immigration",
        "employment",
    }


# Histories -----------------------------------------------------------------


def test_histories_are_chronological_and_in_utc(firm, pncs):
    for pnc in pncs:
        dates = [when for _role, when in pnc.history]
        assert dates == sorted(dates), pnc.reference
        assert all(when.utcoffset() == dt.timedelta(0) for when in dates)
        assert all(firm.start <= when < firm.end for when in dates)


def test_every_history_starts_on_an_early_main_path_milestone(pncs):
    starts = collections.Counter(pnc.history[0][0] for pnc in pncs)
    assert set(starts) == {AWAITING_INFO, CONTACT_INFO_RECEIVED, CONTACT_MADE}


def test_moves_only_go_between_valid_roles(pncs):
    for pnc in pncs:
        roles = pnc.roles
        assert set(roles) <= set(ROLES)
        for before, after in itertools.pairwise(roles):
            assert before != after, pnc.reference
            assert before != RETAINER_FUNDED, "nothing follows funding"
            kind = classify_move(before, after)
            assert kind != "other"
            if before in CLOSED_ROLES:
                assert kind == "reopen" and after in OPEN_ROLES


def test_move_rows_give_kinds_and_durations(pncs):
    pnc = next(p for p in pncs if len(p.history) >= 3)
    rows = move_rows(pnc)
    assert rows[0][0] is None and rows[0][3] == 0.0 and rows[0][4] == "entry"
    (_, _, first), (_, _, second) = rows[0][:3], rows[1][:3]
    assert rows[1][3] == pytest.approx((second - first).total_seconds() / 86400)
    assert [row[1] for row in rows] == pnc.roles


def test_closing_reasons_match_the_final_milestone(firm, pncs):
    for pnc in pncs:
        if pnc.final_role == LOST:
            assert pnc.lost_reason in firm.lost_reasons
        else:
            assert pnc.lost_reason is None
        if pnc.final_role == REFUSED:
            assert pnc.refusal_kind in firm.refusal_kinds
        else:
            assert pnc.refusal_kind is None


# The funnel ------------------------------------------------------------------


def test_funnel_counts_skips_as_reaching_the_milestones_passed_over():
    start = dt.datetime(2025, 1, 1, tzinfo=UTC)
    one_day = dt.timedelta(days=1)
    skipper = SimpleNamespace(
        history=(
            (CONTACT_INFO_RECEIVED, start),
            (APPOINTMENT_MADE, start + one_day),
            (LOST, start + 2 * one_day),
        )
    )
    walk_in = SimpleNamespace(history=((CONTACT_MADE, start),))
    counts = funnel_counts(SimpleNamespace(pncs=[skipper, walk_in]))
    assert list(counts) == list(MAIN_PATH)
    assert list(counts.values()) == [2, 2, 2, 1, 0, 0, 0]


def test_the_funnel_thins_as_intake_figures_say(firm):
    counts = funnel_counts(firm)
    values = list(counts.values())
    assert values == sorted(values, reverse=True)

    def drop(before, after):
        return 1 - counts[after] / counts[before]

    screening = drop(CONTACT_MADE, APPOINTMENT_MADE)
    showing_up = drop(APPOINTMENT_MADE, INITIAL_CONSULT)
    deciding = drop(INITIAL_CONSULT, RETAINER_SIGNED)
    # Big drop at screening, little between booking and consult, and a
    # further drop after the consult.
    assert screening > 0.3
    assert showing_up < 0.15
    assert screening > 3 * showing_up
    assert deciding > 2 * showing_up
    # Signed but not (yet) funded: some wait, a few never pay.
    assert 0.03 < drop(RETAINER_SIGNED, RETAINER_FUNDED) < 0.3


def test_funded_share_is_within_the_published_band(pncs):
    assert 0.07 <= funded_rate(pncs) <= 0.15


def test_the_default_firm_is_in_the_band_too():
    assert 0.07 <= funded_rate(list(generate().pncs)) <= 0.15


def test_most_lost_leads_were_never_reached(pncs):
    lost_from = collections.Counter(
        pnc.history[-2][0] for pnc in pncs if pnc.final_role == LOST
    )
    commonest, count = lost_from.most_common(1)[0]
    assert commonest == CONTACT_INFO_RECEIVED
    assert count > 0.4 * sum(lost_from.values())


def test_refusals_come_from_screening(pncs):
    refused_from = collections.Counter(
        pnc.history[-2][0] for pnc in pncs if pnc.final_role == REFUSED
    )
    assert refused_from.most_common(1)[0][0] == CONTACT_MADE


def test_referrals_convert_far_better_than_web_leads(pncs):
    by_source = collections.defaultdict(list)
    for pnc in pncs:
        by_source[pnc.source].append(pnc)
    referral = funded_rate(by_source["referral"])
    ads = funded_rate(by_source["google_ads"])
    web = funded_rate(by_source["website"])
    assert web < ads < referral
    assert referral > 3 * web

    def qualified_rate(source):
        qualified = [pnc for pnc in by_source[source] if CONTACT_MADE in _reached(pnc)]
        return funded_rate(qualified)

    # INTAKE_FACTS: referrals 50%+ of qualified leads, cold web 10-20%.
    assert qualified_rate("referral") >= 0.45
    assert 0.07 <= qualified_rate("website") <= 0.22


def test_slow_first_response_lowers_conversion(pncs):
    answered = [pnc for pnc in pncs if pnc.first_response_minutes]
    fast = [pnc for pnc in answered if pnc.first_response_minutes <= 60]
    slow = [pnc for pnc in answered if pnc.first_response_minutes > 24 * 60]
    assert len(fast) > 100 and len(slow) > 100
    assert funded_rate(fast) > 1.5 * funded_rate(slow)


def test_some_leads_skip_milestones(pncs, moves):
    skips = collections.Counter(
        (row[0], row[1]) for _pnc, row in moves if row[4] == "skip"
    )
    assert skips[(CONTACT_INFO_RECEIVED, APPOINTMENT_MADE)] > 10
    assert sum(skips.values()) > 0.03 * len(pncs)
    walk_ins = [pnc for pnc in pncs if pnc.source == "walk_in"]
    assert walk_ins
    assert all(pnc.history[0][0] == CONTACT_MADE for pnc in walk_ins)


def test_some_signed_retainers_wait_before_funding(pncs, moves):
    waits_from = collections.Counter(
        row[0] for _pnc, row in moves if row[1] == WAITING_ON
    )
    assert waits_from.most_common(1)[0][0] == RETAINER_SIGNED
    assert set(waits_from) - {RETAINER_SIGNED}, "waiting elsewhere too"
    funded_after_wait = [
        pnc
        for pnc in pncs
        if pnc.final_role == RETAINER_FUNDED and pnc.roles[-2] == WAITING_ON
    ]
    assert len(funded_after_wait) > 10


def test_waiting_leads_say_why_they_wait(pncs):
    waiting = [pnc for pnc in pncs if pnc.final_role == WAITING_ON]
    reasons = {pnc.number: sample_firm.waiting_reason(pnc) for pnc in waiting}
    assert set(reasons.values()) <= {"funds", "waiting_period", "client_not_ready"}
    for pnc in waiting:
        came_from = [role for role in pnc.roles if role != WAITING_ON][-1]
        if came_from == RETAINER_SIGNED:
            assert reasons[pnc.number] == "funds"
    # A signed retainer waiting for its funds is the common case, not the
    # only one.
    assert "funds" in reasons.values()
    assert len(set(reasons.values())) >= 2


def test_some_leads_go_straight_from_an_early_milestone_to_lost(moves):
    early_losses = collections.Counter(row[0] for _pnc, row in moves if row[1] == LOST)
    assert early_losses[AWAITING_INFO] > 20
    assert early_losses[CONTACT_INFO_RECEIVED] > 200


def test_a_few_leads_step_back_or_reopen(pncs, moves):
    kinds = collections.Counter(row[4] for _pnc, row in moves)
    assert 0 < kinds["back"] < 0.05 * len(pncs)
    assert 0 < kinds["reopen"] < 0.05 * len(pncs)
    backs = {(row[0], row[1]) for _pnc, row in moves if row[4] == "back"}
    assert (APPOINTMENT_MADE, CONTACT_MADE) in backs


def test_recent_leads_are_still_open_at_every_milestone(firm, pncs):
    open_at = collections.Counter(
        pnc.final_role for pnc in pncs if pnc.final_role in OPEN_ROLES
    )
    assert set(open_at) == set(OPEN_ROLES)
    for pnc in pncs:
        if pnc.final_role in OPEN_ROLES:
            assert firm.end - pnc.created < dt.timedelta(days=200)


def test_the_default_300_leads_leave_some_open_everywhere():
    open_at = {pnc.final_role for pnc in generate().pncs}
    assert set(OPEN_ROLES) <= open_at


# People and contact details --------------------------------------------------

FICTIONAL_EMAIL = re.compile(
    r"[a-z0-9.]+@([a-z0-9.]+\.example|example\.(com|net|org)|mail\.example)"
)
FICTIONAL_PHONE = re.compile(r"\+1 \d{3} 555 01\d\d")


def test_contact_details_are_fictional(firm, pncs):
    logins = {person.login for person in firm.salespeople}
    for pnc in pncs:
        if pnc.email is not None:
            assert FICTIONAL_EMAIL.fullmatch(pnc.email), pnc.email
            assert FICTIONAL_PHONE.fullmatch(pnc.phone), pnc.phone
        assert pnc.salesperson is None or pnc.salesperson in logins


def test_leads_still_awaiting_info_have_no_contact_details(pncs):
    for pnc in pncs:
        only_waiting = set(pnc.roles) <= {AWAITING_INFO, LOST, REFUSED}
        assert (pnc.email is None) == only_waiting
        assert (pnc.phone is None) == only_waiting


def test_names_are_varied(pncs):
    names = [pnc.contact_name for pnc in pncs]
    assert len(set(names)) > 0.7 * len(names)
    assert any(not name.isascii() for name in names)
    companies = [pnc.company_name for pnc in pncs if pnc.company_name]
    assert companies
    assert any(company.endswith("LLC") for company in companies)
    for pnc in pncs:
        first, last = pnc.contact_name.split(" ", 1)
        assert first in sample_firm.FIRST_NAMES
        assert last in sample_firm.LAST_NAMES


def test_lead_attributes_come_from_the_firm(firm, pncs):
    source_keys = {source.key for source in firm.sources}
    areas = {area.key: area for area in firm.practice_areas}
    for pnc in pncs:
        assert pnc.source in source_keys
        area = areas[pnc.practice_area]
        assert area.fee_low - 100 <= pnc.expected_fee <= area.fee_high + 100
        assert pnc.title.startswith(area.name)
        assert pnc.city and len(pnc.state_code) == 2
    assert 0 < sum(pnc.salesperson is None for pnc in pncs) < 0.2 * len(pncs)
    assert 0.3 < sum(bool(pnc.description) for pnc in pncs) / len(pncs) < 0.9


def test_fees_are_realistic_per_practice_area(pncs):
    fees = collections.defaultdict(list)
    for pnc in pncs:
        fees[pnc.practice_area].append(pnc.expected_fee)

    def median(values):
        return sorted(values)[len(values) // 2]

    assert median(fees["personal_injury"]) > 3 * median(fees["estate_planning"])
    assert 1500 <= min(min(values) for values in fees.values())


def _reached(pnc):
    furthest = max(MAIN_PATH.index(r) for r in pnc.roles if r in MAIN_PATH)
    return MAIN_PATH[: furthest + 1]
