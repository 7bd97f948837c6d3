import pytest
from milestones import (
    MAIN_PATH,
    OPEN_ROLES,
    ROLE_LABELS,
    ROLES,
    classify_move,
    confidence_rank,
    main_path_reached,
)


def test_ten_roles_in_the_firm_order():
    assert [ROLE_LABELS[role] for role in ROLES] == [
        "Awaiting Info",
        "Contact Info Received",
        "Contact Made",
        "Appointment Made",
        "Initial Consult",
        "Retainer Signed",
        "Retainer Funded",
        "Lost",
        "Refused",
        "Waiting On",
    ]
    assert "retainer_funded" not in OPEN_ROLES
    assert "waiting_on" in OPEN_ROLES


@pytest.mark.parametrize(
    ("from_role", "to_role", "kind"),
    [
        (None, "contact_made", "entry"),
        (None, False, "entry"),
        ("awaiting_info", "contact_info_received", "next"),
        ("retainer_signed", "retainer_funded", "next"),
        ("contact_info_received", "appointment_made", "skip"),
        ("awaiting_info", "retainer_funded", "skip"),
        ("initial_consult", "contact_made", "back"),
        ("contact_made", "lost", "lost"),
        ("waiting_on", "lost", "lost"),
        ("appointment_made", "refused", "refused"),
        ("lost", "refused", "refused"),
        ("retainer_signed", "waiting_on", "waiting"),
        ("waiting_on", "retainer_funded", "resume"),
        ("waiting_on", "contact_made", "resume"),
        ("lost", "contact_made", "reopen"),
        ("refused", "waiting_on", "reopen"),
        ("lost", "retainer_funded", "reopen"),
        ("contact_made", False, "other"),
        (False, "contact_made", "other"),
        ("contact_made", "contact_made", "other"),
    ],
)
def test_classify_move(from_role, to_role, kind):
    assert classify_move(from_role, to_role) == kind


def test_a_skip_reaches_the_milestones_passed_over():
    assert (
        main_path_reached(["contact_info_received", "initial_consult", "lost"])
        == (MAIN_PATH[:5])
    )
    assert main_path_reached(["waiting_on", "refused"]) == ()
    assert main_path_reached(["awaiting_info", "retainer_funded"]) == MAIN_PATH


def test_confidence_rank_orders_live_leads_above_closed_ones():
    ranked = sorted(
        ["refused", "retainer_funded", "waiting_on", "lost", "contact_made"],
        key=confidence_rank,
    )
    assert ranked[-3:] == ["waiting_on", "contact_made", "retainer_funded"]
    assert set(ranked[:2]) == {"lost", "refused"}
