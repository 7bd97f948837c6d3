from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .test_conflict_common import ConflictCase


@tagged("post_install", "-at_install")
class TestConflictRoles(ConflictCase):
    """Which matches are conflicts: role against role."""

    def test_adverse_party_who_is_a_funded_client_is_a_conflict(self):
        client = self._matter("retainer_funded", contact="Olufemi Okafor")
        new = self._matter(
            contact="Beatriz Sánchez", parties=[("Okafor, Olufemi", "adverse_party")]
        )
        run = self._run(new)
        hit = self._hits_on(run, client)
        self.assertRecordValues(
            hit,
            [
                {
                    "searched_name": "Okafor, Olufemi",
                    "searched_role": "adverse_party",
                    "matched_name": "Olufemi Okafor",
                    "score": 100.0,
                    "kind": "conflict",
                    "source": "lead",
                    "found_role": "client",
                    "redacted": False,
                }
            ],
        )
        self.assertEqual((hit.res_model, hit.res_id), ("crm.lead", client.id))
        self.assertEqual(run.result, "conflict")
        self.assertEqual(new.conflict_status, "conflict")

    def test_a_client_is_a_lead_that_once_reached_funded(self):
        # Funded, then moved back: the log still says it was the firm's client.
        former = self._matter("retainer_funded", contact="Lars Pettersen")
        former.stage_id = self.stages["initial_consult"]
        self.assertEqual(former.milestone_role, "initial_consult")
        new = self._matter(
            contact="Beatriz Sánchez", parties=[("Lars Pettersen", "adverse_party")]
        )
        hit = self._hits_on(self._run(new), former)
        self.assertEqual(hit.found_role, "client")
        self.assertEqual(hit.kind, "conflict")

    def test_contact_of_a_funded_matter_is_a_client(self):
        partner = self.env["res.partner"].create({"name": "Malik Haverford"})
        self._matter(
            "retainer_funded", contact="Malik Haverford", partner_id=partner.id
        )
        new = self._matter(
            contact="Beatriz Sánchez", parties=[("Malik Haverford", "adverse_party")]
        )
        run = self._run(new)
        contact_hit = run.hit_ids.filtered(lambda hit: hit.source == "contact")
        self.assertEqual(contact_hit.res_id, partner.id)
        self.assertEqual(contact_hit.found_role, "client")
        self.assertEqual(contact_hit.kind, "conflict")

    def test_prospective_client_who_was_an_adverse_party_is_a_conflict(self):
        old = self._matter(
            "initial_consult",
            contact="Amara Dunmore",
            parties=[("Idris Achterberg", "adverse_party")],
        )
        new = self._matter(
            contact="Idris Achterberg", parties=[("Tomás Ibáñez", "adverse_party")]
        )
        run = self._run(new)
        hit = self._hits_on(run, old)
        self.assertRecordValues(
            hit,
            [
                {
                    "searched_role": "prospective_client",
                    "found_role": "adverse_party",
                    "source": "party",
                    "kind": "conflict",
                }
            ],
        )
        self.assertEqual(
            (hit.res_model, hit.res_id), ("crm.lead.party", old.party_ids.id)
        )

    def test_adverse_party_who_is_another_prospect_is_potential(self):
        prospect = self._matter("contact_made", contact="Hana Nakamura")
        new = self._matter(
            contact="Beatriz Sánchez", parties=[("Hana Nakamura", "adverse_party")]
        )
        run = self._run(new)
        hit = self._hits_on(run, prospect)
        self.assertEqual(hit.found_role, "prospective_client")
        self.assertEqual(hit.kind, "potential")
        self.assertEqual(run.result, "potential")
        self.assertEqual(new.conflict_status, "potential")

    def test_a_typo_against_a_client_is_potential_not_conflict(self):
        client = self._matter("retainer_funded", contact="John Smith")
        new = self._matter(
            contact="Beatriz Sánchez", parties=[("Jonh Smith", "adverse_party")]
        )
        hit = self._hits_on(self._run(new), client)
        self.assertEqual(hit.score, 88.9)
        self.assertEqual(hit.kind, "potential")

    def test_returning_client_is_potential_not_conflict(self):
        client = self._matter("retainer_funded", contact="Mei Takahashi")
        new = self._matter(contact="Mei Takahashi")
        hit = self._hits_on(self._run(new), client)
        self.assertEqual(hit.searched_role, "prospective_client")
        self.assertEqual(hit.found_role, "client")
        self.assertEqual(hit.kind, "potential")

    def test_the_lead_and_its_own_contact_are_not_hits(self):
        partner = self.env["res.partner"].create({"name": "Rafael Quintero"})
        new = self._matter(contact="Rafael Quintero", partner_id=partner.id)
        run = self._run(new)
        self.assertFalse(run.hit_ids)
        self.assertEqual(run.result, "clear")
        self.assertEqual(new.conflict_status, "clear")

    def test_one_hit_per_matter_and_role(self):
        # The old matter's contact and its prospective client line are the
        # same person: one hit.
        old = self._matter(
            "retainer_funded",
            contact="Nils Bergström",
            parties=[("Nils Bergström", "prospective_client")],
        )
        new = self._matter(
            contact="Beatriz Sánchez", parties=[("Nils Bergstrom", "adverse_party")]
        )
        self.assertEqual(len(self._hits_on(self._run(new), old)), 1)


@tagged("post_install", "-at_install")
class TestConflictRuns(ConflictCase):
    """Runs are kept; parties know when they were checked."""

    def test_the_prospective_client_is_added_as_a_party(self):
        new = self._matter(contact="Elif Marchetti")
        self.assertFalse(new.party_ids)
        run = self._run(new)
        self.assertRecordValues(
            new.party_ids, [{"name": "Elif Marchetti", "role": "prospective_client"}]
        )
        self.assertEqual(run.searched_names, "Elif Marchetti (Prospective Client)")
        self.assertEqual(run.name_count, 1)
        self.assertEqual(run.user_id, self.conflict_attorney)

    def test_no_party_no_run(self):
        nobody = self._matter(contact=None, partner_name=False)
        with self.assertRaisesRegex(UserError, "has no party to search"):
            self._run(nobody)
        self.assertFalse(nobody.conflict_check_ids)

    def test_rerun_after_a_new_party_keeps_the_first_run(self):
        client = self._matter("retainer_funded", contact="Gráinne Corcoran")
        new = self._matter(
            contact="Beatriz Sánchez", parties=[("Felix Esposito", "adverse_party")]
        )
        first = self._run(new)
        self.assertEqual(first.result, "clear")
        self.assertFalse(new.conflict_stale)
        self.assertTrue(all(new.party_ids.mapped("checked_date")))

        new.write(
            {
                "party_ids": [
                    Command.create(
                        {"name": "Grainne Corcoran", "role": "adverse_party"}
                    )
                ]
            }
        )
        added = new.party_ids.filtered(lambda party: party.name == "Grainne Corcoran")
        self.assertFalse(added.checked_date)
        self.assertTrue(new.conflict_stale)
        self.assertIn(new, self.env["crm.lead"].search([("conflict_stale", "=", True)]))

        second = self._run(new)
        self.assertNotEqual(first, second)
        self.assertEqual(new.conflict_check_ids, first | second)
        self.assertEqual(new.conflict_check_id, second)
        self.assertTrue(second.is_latest)
        self.assertFalse(first.is_latest)
        # The first run is untouched: same names, no hit.
        self.assertEqual(first.name_count, 2)
        self.assertFalse(first.hit_ids)
        self.assertEqual(second.name_count, 3)
        self.assertEqual(self._hits_on(second, client).kind, "conflict")
        self.assertEqual(new.conflict_status, "conflict")
        self.assertFalse(new.conflict_stale)
        self.assertEqual(added.checked_date, second.date)

    def test_renaming_a_party_makes_the_check_stale(self):
        new = self._matter(
            contact="Beatriz Sánchez", parties=[("Felix Esposito", "adverse_party")]
        )
        self._run(new)
        adverse = new.party_ids.filtered(lambda party: party.role == "adverse_party")
        adverse.note = "Met at the hearing"
        self.assertFalse(new.conflict_stale)
        adverse.name = "Felix Esposito Jr."
        self.assertFalse(adverse.checked_date)
        self.assertTrue(new.conflict_stale)

    def test_runs_are_not_edited(self):
        new = self._matter(contact="Beatriz Sánchez")
        run = self._run(new).with_user(self.conflict_attorney)
        run.note = "Checked the paper files too."
        with self.assertRaisesRegex(UserError, "cannot be edited"):
            run.write({"result": "clear"})

    def test_only_the_search_writes_runs_and_hits(self):
        # An attorney cannot make up evidence over RPC: a run that says
        # "clear", or a hit, is written by the search alone.
        new = self._matter(contact="Beatriz Sánchez")
        run = self._run(new)
        attorney_env = self.env(user=self.conflict_attorney)
        with self.assertRaises(AccessError):
            attorney_env["crm.conflict.check"].create(
                {"lead_id": new.id, "result": "clear"}
            )
        with self.assertRaises(AccessError):
            attorney_env["crm.conflict.hit"].create(
                {"run_id": run.id, "matched_name": "Nobody", "kind": "potential"}
            )
        self.assertEqual(new.conflict_check_ids, run)
        self.assertEqual(run.user_id, self.conflict_attorney)
        self.assertEqual(run.create_uid, self.conflict_attorney)

    def test_a_lead_with_checks_is_archived_not_deleted(self):
        new = self._matter(contact="Beatriz Sánchez")
        self._run(new)
        with self.assertRaisesRegex(UserError, "conflict check history"):
            new.unlink()

    def test_merging_moves_parties_and_runs(self):
        head = self._matter(contact="Beatriz Sánchez")
        tail = self._matter(
            contact="Beatriz Sanchez", parties=[("Felix Esposito", "adverse_party")]
        )
        run = self._run(tail)
        merged = (head | tail).merge_opportunity(auto_unlink=True)
        self.assertEqual(merged, head)
        self.assertEqual(run.lead_id, head)
        self.assertIn("Felix Esposito", head.party_ids.mapped("name"))
        # Moved parties were checked for the other lead, not for this one.
        self.assertFalse(any(head.party_ids.mapped("checked_date")))


@tagged("post_install", "-at_install")
class TestConflictSignOff(ConflictCase):
    """Sign-offs by the named attorneys, overrides and the refusal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls._matter("retainer_funded", contact="Valentina Wainwright")
        cls.new = cls._matter(
            contact="Beatriz Sánchez",
            # An initial: a potential conflict for the attorneys to judge.
            parties=[("V. Wainwright", "adverse_party")],
        )

    def _decide(self, user, decision, note=False, run=None):
        return (
            self.env["crm.conflict.decision"]
            .with_user(user)
            .create(
                {
                    "run_id": (run or self.new.conflict_check_id).id,
                    "decision": decision,
                    "note": note,
                }
            )
        )

    def _name_reviewers(self, *users):
        self.company.conflict_reviewer_ids = [Command.set([u.id for u in users])]

    def test_status_waits_for_every_named_reviewer(self):
        self._name_reviewers(self.conflict_attorney, self.second_attorney)
        self._run(self.new)
        self.assertEqual(self.new.conflict_status, "potential")
        self._decide(self.conflict_attorney, "no_conflict")
        self.assertEqual(self.new.conflict_status, "potential")
        self._decide(self.second_attorney, "no_conflict", "Other person: born 1990")
        self.assertEqual(self.new.conflict_status, "clear")

    def test_one_conflict_decision_is_enough(self):
        self._name_reviewers(self.conflict_attorney, self.second_attorney)
        self._run(self.new)
        self._decide(self.second_attorney, "conflict", "Same person, same address")
        self.assertEqual(self.new.conflict_status, "conflict")

    def test_a_waiver_waives_with_who_and_why(self):
        self._name_reviewers(self.conflict_attorney, self.second_attorney)
        self._run(self.new)
        self._decide(self.conflict_attorney, "no_conflict")
        self._decide(self.second_attorney, "waiver", "Written consent of both, 2 Jan")
        self.assertEqual(self.new.conflict_status, "waived")
        self.assertEqual(self.new.conflict_waived_by_id, self.second_attorney)
        self.assertEqual(
            self.new.conflict_waiver_reason, "Written consent of both, 2 Jan"
        )

    def test_ethical_wall_passes_and_is_flagged(self):
        self._run(self.new)
        self._decide(self.conflict_attorney, "ethical_wall", "Screen A. Okonkwo")
        self.assertEqual(self.new.conflict_status, "clear")
        self.assertTrue(self.new.conflict_ethical_wall)

    def test_without_named_reviewers_one_attorney_decides(self):
        self._run(self.new)
        self._decide(self.second_attorney, "no_conflict")
        self.assertEqual(self.new.conflict_status, "clear")

    def test_only_named_reviewers_sign_off(self):
        self._name_reviewers(self.conflict_attorney)
        self._run(self.new)
        with self.assertRaisesRegex(ValidationError, "not one of the attorneys"):
            self._decide(self.second_attorney, "no_conflict")

    def test_reviewers_and_gate_are_set_in_settings(self):
        settings = self.env["res.config.settings"].create(
            {
                "conflict_gate": True,
                "conflict_firm_wide": True,
                "conflict_reviewer_ids": [Command.set([self.second_attorney.id])],
            }
        )
        settings.execute()
        self.assertTrue(self.company.conflict_gate)
        self.assertTrue(self.company.conflict_firm_wide)
        self.assertEqual(self.company.conflict_reviewer_ids, self.second_attorney)
        # Only conflict attorneys are offered.
        field = settings._fields["conflict_reviewer_ids"]
        offered = self.env["res.users"].search(field.get_comodel_domain(settings))
        self.assertIn(self.second_attorney, offered)
        self.assertNotIn(self.attorney, offered)

    def test_reviewers_must_be_conflict_attorneys(self):
        with self.assertRaisesRegex(ValidationError, "Attorney group"):
            self._name_reviewers(self.attorney)

    def test_a_changed_mind_is_a_new_sign_off_and_only_on_the_latest_run(self):
        first = self._run(self.new)
        no_conflict = self._decide(self.conflict_attorney, "no_conflict")
        self.assertEqual(self.new.conflict_status, "clear")
        self._decide(self.conflict_attorney, "conflict", "Same address after all")
        self.assertEqual(self.new.conflict_status, "conflict")
        # The earlier decision stays on record.
        self.assertEqual(
            first.decision_ids.sorted("id").mapped("decision"),
            ["no_conflict", "conflict"],
        )
        self.assertTrue(no_conflict.exists())
        self._run(self.new)
        with self.assertRaisesRegex(UserError, "newer conflict check"):
            self._decide(self.second_attorney, "no_conflict", run=first)

    def test_sign_offs_cannot_be_forged(self):
        # One attorney cannot turn a colleague's reviewer slot, a decision or
        # a date into something else: sign-offs are never edited, and who
        # and when are the facts of the sign-off, whatever is sent.
        self._name_reviewers(self.conflict_attorney, self.second_attorney)
        self._run(self.new)
        own = self._decide(self.conflict_attorney, "conflict", "Same person")
        for values in (
            {"reviewer_id": self.second_attorney.id},
            {"decision": "no_conflict"},
            {"date": "2001-01-01"},
            {"note": False},
        ):
            with self.subTest(values=values), self.assertRaises(UserError):
                own.with_user(self.conflict_attorney).write(values)
        forged = self.env["crm.conflict.decision"].with_user(self.conflict_attorney)
        in_their_name = forged.create(
            {
                "run_id": self.new.conflict_check_id.id,
                "decision": "no_conflict",
                "reviewer_id": self.second_attorney.id,
            }
        )
        self.assertEqual(in_their_name.reviewer_id, self.conflict_attorney)
        self.assertEqual(self.new.conflict_status, "potential")
        backdated = forged.create(
            {
                "run_id": self.new.conflict_check_id.id,
                "decision": "conflict",
                "date": "2001-01-01",
            }
        )
        self.assertEqual(backdated.date, fields.Date.context_today(backdated))
        self.assertEqual(backdated.reviewer_id, self.conflict_attorney)
        self.assertEqual(self.new.conflict_status, "conflict")

    def test_a_new_run_starts_the_review_again(self):
        self._run(self.new)
        self._decide(self.conflict_attorney, "no_conflict")
        self.assertEqual(self.new.conflict_status, "clear")
        self._run(self.new)
        self.assertEqual(self.new.conflict_status, "potential")

    def test_sign_off_action_opens_a_new_sign_off(self):
        with self.assertRaisesRegex(UserError, "no conflict check to sign off"):
            self.new.with_user(self.conflict_attorney).action_conflict_sign_off()
        run = self._run(self.new)
        action = self.new.with_user(self.conflict_attorney).action_conflict_sign_off()
        self.assertEqual(action["context"], {"default_run_id": run.id})
        action = run.with_user(self.conflict_attorney).action_sign_off()
        self.assertEqual(action["res_model"], "crm.conflict.decision")
        self.assertNotIn("res_id", action)
        # After a decision, the action opens a new sign-off, never the old one.
        self._decide(self.conflict_attorney, "no_conflict")
        action = run.with_user(self.conflict_attorney).action_sign_off()
        self.assertNotIn("res_id", action)

    def test_override_is_logged_and_applied(self):
        self._run(self.new)
        lead = self.new.with_user(self.conflict_attorney)
        action = lead.action_open_conflict_override()
        form = Form(
            self.env["crm.conflict.override"]
            .with_user(self.conflict_attorney)
            .with_context(**action["context"])
        )
        form.to_status = "waived"
        form.reason = "Client's informed consent on file"
        override = form.save()
        self.assertRecordValues(
            override,
            [
                {
                    "lead_id": self.new.id,
                    "user_id": self.conflict_attorney.id,
                    "from_status": "potential",
                    "to_status": "waived",
                }
            ],
        )
        self.assertEqual(self.new.conflict_status, "waived")
        self.assertEqual(self.new.conflict_waived_by_id, self.conflict_attorney)
        self.assertEqual(
            self.new.conflict_waiver_reason, "Client's informed consent on file"
        )
        message = self.new.message_ids[0]
        self.assertIn("from Potential Conflict to Waived", message.body)
        # The reason stays with the attorneys.
        self.assertNotIn("informed consent", message.body)

    def test_refuse_for_conflict_is_one_click_away(self):
        run = self._run(self.new)
        self._decide(self.conflict_attorney, "conflict")
        action = run.with_user(self.conflict_attorney).action_refuse_for_conflict()
        conflict_reason = self.env.ref("crm_law_milestones.crm_refusal_reason_conflict")
        self.assertEqual(
            action["context"]["default_refusal_reason_id"], conflict_reason.id
        )
        wizard = Form(
            self.env["crm.lead.refuse"]
            .with_user(self.conflict_attorney)
            .with_context(**action["context"])
        )
        self.assertEqual(wizard.refusal_reason_id, conflict_reason)
        wizard.save().action_refuse_apply()
        self.assertEqual(self.new.milestone_role, "refused")
        self.assertEqual(self.new.refusal_reason_id, conflict_reason)
        self.assertFalse(self.new.active)
