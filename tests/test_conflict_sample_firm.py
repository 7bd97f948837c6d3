"""The sample firm's planted conflicts, found by the real conflict search."""

import importlib.util
from pathlib import Path

from odoo.tests import tagged

from ..lib.names import normalize
from .test_conflict_common import ConflictCase


def _sample_firm():
    path = Path(__file__).resolve().parents[1] / "tools" / "sample_firm.py"
    spec = importlib.util.spec_from_file_location("clm_sample_firm_for_tests", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestConflictSampleFirm(ConflictCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sample = _sample_firm()
        cls.firm = cls.sample.generate(300, seed=2026)
        cls.pncs = list(cls.firm.pncs)
        cls.loader = cls.sample.OdooLoader(cls.env, cls.firm)
        cls.loader.prepare()
        cls.leads = cls.env["crm.lead"]
        for batch in cls.sample._batches(cls.pncs, 100):
            cls.loader.load_batch(batch)
        # Leads are created in the firm's order.
        leads = (
            cls.env["crm.lead"]
            .with_context(active_test=False)
            .search([("team_id", "=", cls.loader.team.id)], order="id")
        )
        cls.lead_of_number = {
            pnc.number: lead for pnc, lead in zip(cls.pncs, leads, strict=True)
        }

    def _lead_of(self, pnc):
        return self.lead_of_number[pnc.number]

    def test_intake_fields_are_loaded(self):
        pnc = next(p for p in self.pncs if len(p.parties) >= 3)
        lead = self._lead_of(pnc)
        self.assertEqual(
            [(party.name, party.role) for party in lead.party_ids], list(pnc.parties)
        )
        self.assertEqual(lead.practice_area_id.name, pnc.title.split(":")[0])
        funded = next(p for p in self.pncs if p.final_role == "retainer_funded")
        self.assertEqual(self._lead_of(funded).conflict_status, "clear")
        self.assertFalse(self._lead_of(funded).conflict_stale)

    def test_refused_planted_conflicts_are_found(self):
        results = self.loader.check_planted_conflicts()
        planted = [
            p for p in self.pncs if p.planted_conflict and p.final_role == "refused"
        ]
        self.assertGreaterEqual(len(planted), 10)
        self.assertEqual(results, {"conflict": len(planted)})
        for pnc in planted:
            lead = self._lead_of(pnc)
            self.assertEqual(lead.conflict_status, "conflict", pnc.reference)
            self.assertFalse(lead.active)
            self.assertEqual(
                lead.conflict_check_id.user_id, self.env.ref("base.user_admin")
            )

    def test_open_planted_conflict_is_found_when_checked(self):
        pnc = next(
            p
            for p in self.pncs
            if p.planted_conflict == "adverse_is_client" and p.final_role != "refused"
        )
        lead = self._lead_of(pnc)
        self.assertEqual(lead.conflict_status, "not_run")
        run = self._run(lead)
        conflicts = run.hit_ids.filtered(
            lambda hit: hit.kind == "conflict" and hit.found_role == "client"
        )
        # The planted adverse party is the first after the client; the
        # earlier funded clients of that name are all found.
        adverse = normalize(pnc.parties[1][0])
        clients = {
            self._lead_of(earlier)
            for earlier in self.pncs[: pnc.number - 1]
            if "retainer_funded" in earlier.roles
            and normalize(earlier.company_name or earlier.contact_name) == adverse
        }
        self.assertTrue(clients)
        self.assertLessEqual(clients, set(conflicts.found_lead_id))
        self.assertEqual(set(conflicts.mapped("searched_role")), {"adverse_party"})
        self.assertEqual(lead.conflict_status, "conflict")
