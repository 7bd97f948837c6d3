"""The sample firm's parties and the conflicts planted in it, checked with
the addon's own name rules (no Odoo)."""

import pytest
import sample_firm
from names import CONFLICT_SCORE, hit_kind, normalize, score
from sample_firm import (
    ADVERSE_IS_CLIENT,
    CLIENT_WAS_ADVERSE,
    REFUSED,
    RETAINER_FUNDED,
    generate,
)


@pytest.fixture(scope="module")
def pncs():
    return list(generate(2000, seed=2026).pncs)


def test_parties_are_deterministic():
    first = [pnc.parties for pnc in generate(300, seed=4).pncs]
    assert first == [pnc.parties for pnc in generate(300, seed=4).pncs]


def test_every_matter_starts_with_its_prospective_client(pncs):
    for pnc in pncs:
        shown = pnc.company_name or pnc.contact_name
        assert pnc.parties[0] == (shown, "prospective_client")
        roles = [role for _name, role in pnc.parties[1:]]
        assert "prospective_client" not in roles
        assert pnc.title.endswith(f": {shown}")


def test_practice_areas_bring_their_usual_parties(pncs):
    by_area = {}
    for pnc in pncs:
        if not pnc.planted_conflict:
            by_area.setdefault(pnc.practice_area, []).append(pnc)
    for pnc in by_area["family"]:
        assert pnc.parties[1][1] == "adverse_party"
    spouses_sharing_a_name = [
        pnc
        for pnc in by_area["family"]
        if pnc.parties[1][0].split(" ", 1)[1] == pnc.contact_name.split(" ", 1)[1]
    ]
    assert spouses_sharing_a_name, "John Smith v Jane Smith must occur"
    for pnc in by_area["estate_planning"]:
        assert {role for _name, role in pnc.parties[1:]} == {"related_party"}


def _earlier(pncs, pnc):
    return pncs[: pnc.number - 1]


def test_planted_adverse_parties_are_earlier_funded_clients(pncs):
    planted = [pnc for pnc in pncs if pnc.planted_conflict == ADVERSE_IS_CLIENT]
    assert len(planted) >= 5
    for pnc in planted:
        clients = [
            normalize(earlier.company_name or earlier.contact_name)
            for earlier in _earlier(pncs, pnc)
            if RETAINER_FUNDED in earlier.roles
        ]
        adverse = [name for name, role in pnc.parties if role == "adverse_party"]
        best = max(
            score(normalize(name), client) for name in adverse for client in clients
        )
        assert best >= CONFLICT_SCORE, pnc.reference
        assert hit_kind("adverse_party", "client", best) == "conflict"


def test_planted_clients_were_adverse_parties_before(pncs):
    planted = [pnc for pnc in pncs if pnc.planted_conflict == CLIENT_WAS_ADVERSE]
    assert len(planted) >= 5
    for pnc in planted:
        adversaries = {
            name
            for earlier in _earlier(pncs, pnc)
            for name, role in earlier.parties
            if role == "adverse_party"
        }
        assert pnc.contact_name in adversaries, pnc.reference
        assert pnc.contact_name.split(" ", 1)[0] in sample_firm.FIRST_NAMES


def test_conflicts_are_planted_where_screening_refused_or_not_yet_screened(pncs):
    planted = [pnc for pnc in pncs if pnc.planted_conflict]
    refused = [pnc for pnc in planted if pnc.final_role == REFUSED]
    assert all(pnc.refusal_kind == "conflict" for pnc in refused)
    waiting = [pnc for pnc in planted if pnc.final_role != REFUSED]
    assert waiting, "some open leads carry a conflict for the demonstration"
    assert {pnc.final_role for pnc in waiting} <= {
        "contact_info_received",
        "contact_made",
    }
