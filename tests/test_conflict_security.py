from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged

from .test_conflict_common import ConflictCase


@tagged("post_install", "-at_install")
class TestConflictAccess(ConflictCase):
    """Intake staff see the status; the Conflict Check group the evidence."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls._matter("retainer_funded", contact="Emeka Gallagher")
        cls.new = cls._matter(
            contact="Hiroshi Brennan",
            parties=[("Emeka Gallagher", "adverse_party")],
            user_id=cls.intake_user.id,
        )
        cls.new.with_user(cls.conflict_attorney).action_run_conflict_check()
        cls.check = cls.new.conflict_check_id

    def test_intake_sees_the_status_and_the_run_only(self):
        lead = self.new.with_user(self.intake_user)
        self.assertEqual(lead.conflict_status, "conflict")
        run = lead.conflict_check_id
        self.assertEqual(run.result, "conflict")
        self.assertEqual(run.user_id, self.conflict_attorney)
        self.assertIn("Emeka Gallagher (Adverse Party)", run.searched_names)
        for field in ("hit_ids", "decision_ids", "note", "hit_count"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                run.read([field])
        with self.assertRaises(AccessError):
            lead.read(["conflict_waiver_reason"])

    def test_intake_cannot_read_hits_or_sign_offs(self):
        for model in (
            "crm.conflict.hit",
            "crm.conflict.decision",
            "crm.conflict.override",
        ):
            for user in (self.intake_user, self.attorney):
                with (
                    self.subTest(model=model, user=user.login),
                    self.assertRaises(AccessError),
                ):
                    self.env[model].with_user(user).search([])

    def test_intake_cannot_run_the_check(self):
        with self.assertRaisesRegex(AccessError, "Attorney group"):
            self.new.with_user(self.intake_user).action_run_conflict_check()

    def test_intake_cannot_override(self):
        with self.assertRaises(AccessError):
            self.env["crm.conflict.override"].with_user(self.intake_user).create(
                {"lead_id": self.new.id, "to_status": "clear", "reason": "Trust me"}
            )
        self.assertEqual(self.new.conflict_status, "conflict")

    def test_attorneys_read_the_evidence(self):
        run = self.check.with_user(self.conflict_attorney)
        self.assertEqual(run.hit_count, 1)
        self.assertEqual(run.hit_ids.matched_name, "Emeka Gallagher")
        self.assertEqual(run.hit_ids.found_lead_id, self.client)

    def test_nobody_edits_or_deletes_hits(self):
        hit = self.check.hit_ids
        for user in (self.conflict_attorney, self.env.ref("base.user_admin")):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    hit.with_user(user).write({"score": 10.0})
                with self.assertRaises(AccessError):
                    hit.with_user(user).unlink()

    def test_attorneys_sign_off_for_themselves_only(self):
        decision = self.env["crm.conflict.decision"].with_user(self.conflict_attorney)
        # Whoever is named, the sign-off is its author's.
        own = decision.create(
            {
                "run_id": self.check.id,
                "reviewer_id": self.second_attorney.id,
                "decision": "conflict",
            }
        )
        self.assertEqual(own.reviewer_id, self.conflict_attorney)
        for user in (self.conflict_attorney, self.second_attorney):
            with self.assertRaisesRegex(UserError, "cannot be edited"):
                own.with_user(user).write({"decision": "no_conflict"})

    def test_personal_rule_on_parties(self):
        other = self._matter(
            contact="Zubiri Other",
            parties=[("Someone Else", "witness")],
            user_id=self.other_intake_user.id,
        )
        parties = self.env["crm.lead.party"].with_user(self.intake_user)
        visible = parties.search([("lead_id", "in", (self.new | other).ids)])
        self.assertEqual(visible.lead_id, self.new)


@tagged("post_install", "-at_install")
class TestConflictCompanies(ConflictCase):
    """A search never shows another company's records, unless the firm turns
    on the firm-wide search, and then only the name, company and score."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.branch = cls.env["res.company"].create({"name": "Branch Office LLP"})
        cls.branch_client = cls._matter(
            "retainer_funded",
            contact="Saoirse Delacroix",
            company_id=cls.branch.id,
            team_id=False,
        )
        cls.new = cls._matter(
            contact="Jonah Schäfer", parties=[("Saoirse Delacroix", "adverse_party")]
        )

    def test_other_company_records_are_not_searched(self):
        run = self._run(self.new)
        self.assertFalse(run.hit_ids)
        self.assertEqual(run.result, "clear")

    def test_attorney_of_both_companies_finds_them(self):
        self.conflict_attorney.company_ids = [Command.link(self.branch.id)]
        run = self._run(self.new)
        hit = self._hits_on(run, self.branch_client)
        self.assertEqual(hit.kind, "conflict")
        self.assertEqual(hit.found_company_id, self.branch)
        # A colleague of the first company only does not see that hit.
        hits = self.env["crm.conflict.hit"].with_user(self.second_attorney)
        self.assertFalse(hits.search([("run_id", "=", run.id)]))
        self.assertEqual(run.with_user(self.second_attorney).result, "conflict")

    def test_firm_wide_search_keeps_only_name_company_and_score(self):
        self.company.conflict_firm_wide = True
        run = self._run(self.new)
        self.assertTrue(run.firm_wide)
        hit = run.hit_ids.filtered(lambda hit: hit.matched_name == "Saoirse Delacroix")
        self.assertRecordValues(
            hit,
            [
                {
                    "score": 100.0,
                    "kind": "conflict",
                    "found_company_id": self.branch.id,
                    "redacted": True,
                    "found_role": False,
                    "source": False,
                    "found_lead_id": False,
                }
            ],
        )
        self.assertFalse(hit.res_model)
        self.assertFalse(hit.res_id)
        self.assertEqual(self.new.conflict_status, "conflict")
        # Every attorney of the firm sees the redacted hit.
        hits = self.env["crm.conflict.hit"].with_user(self.second_attorney)
        self.assertEqual(hits.search([("run_id", "=", run.id)]), hit)

    def test_firm_wide_search_links_what_the_user_may_read(self):
        self.company.conflict_firm_wide = True
        self.conflict_attorney.company_ids = [Command.link(self.branch.id)]
        hit = self._hits_on(self._run(self.new), self.branch_client)
        self.assertFalse(hit.redacted)
        self.assertEqual(hit.res_id, self.branch_client.id)
