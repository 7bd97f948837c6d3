from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import MilestoneCase


@tagged("post_install", "-at_install")
class TestWonLostRefused(MilestoneCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lost_reason = cls.env["crm.lost.reason"].create(
            {"name": "Hired another firm"}
        )
        cls.referred_out = cls.env.ref(
            "crm_law_milestones.crm_refusal_reason_referred_out"
        )
        cls.conflict = cls.env.ref("crm_law_milestones.crm_refusal_reason_conflict")
        cls.other_firm = cls.env["res.partner"].create(
            {"name": "Harbor & Finch Family Law", "is_company": True}
        )

    def test_won_button_lands_in_retainer_funded(self):
        lead = self._lead("retainer_signed")
        lead.action_set_won_rainbowman()
        self.assertEqual(lead.stage_id, self.stages["retainer_funded"])
        self.assertEqual(lead.won_status, "won")
        self.assertEqual(lead.probability, 100)
        self.assertEqual(
            self._rows(lead)[-1], ("retainer_signed", "retainer_funded", "next")
        )

    def test_won_button_uses_the_team_funded_stage(self):
        team_funded = self.env["crm.stage"].create(
            {
                "name": "Funded (litigation)",
                "sequence": 69,
                "is_won": True,
                "milestone_role": "retainer_funded",
                "team_ids": [Command.link(self.team.id)],
            }
        )
        lead = self._lead("initial_consult")
        lead.action_set_won()
        self.assertEqual(lead.stage_id, team_funded)

    def test_lost_wizard_lands_in_lost_and_archives(self):
        lead = self._lead("initial_consult")
        wizard = Form(
            self.env["crm.lead.lost"].with_context(
                active_model="crm.lead", active_ids=lead.ids, default_lead_ids=lead.ids
            )
        )
        wizard.lost_reason_id = self.lost_reason
        wizard.save().action_lost_reason_apply()
        self.assertEqual(lead.stage_id, self.stages["lost"])
        self.assertFalse(lead.active)
        self.assertEqual(lead.won_status, "lost")
        self.assertEqual(lead.lost_reason_id, self.lost_reason)
        self.assertEqual(self._rows(lead)[-1], ("initial_consult", "lost", "lost"))

    def test_drag_to_lost_is_lost_the_odoo_way(self):
        lead = self._lead("contact_info_received")
        lead.write({"stage_id": self.stages["lost"].id})
        self.assertFalse(lead.active)
        self.assertEqual(lead.probability, 0)
        self.assertEqual(lead.won_status, "lost")

    def test_restore_returns_to_last_open_milestone(self):
        lead = self._lead("appointment_made")
        lead.write(
            {"stage_id": self.stages["waiting_on"].id, "waiting_reason": "other"}
        )
        lead.action_set_lost(lost_reason_id=self.lost_reason.id)
        lead.action_restore()
        self.assertTrue(lead.active)
        self.assertEqual(lead.won_status, "pending")
        self.assertEqual(lead.stage_id, self.stages["waiting_on"])
        self.assertFalse(lead.lost_reason_id)
        self.assertEqual(
            [kind for _from, _to, kind in self._rows(lead)],
            ["entry", "waiting", "lost", "reopen"],
        )

    def test_unarchive_by_rpc_also_reopens(self):
        lead = self._lead("contact_made")
        lead.action_set_lost()
        lead.write({"active": True})
        self.assertEqual(lead.stage_id, self.stages["contact_made"])

    def test_drag_out_of_lost_reactivates(self):
        lead = self._lead("contact_made")
        lead.action_set_lost(lost_reason_id=self.lost_reason.id)
        lead.write({"stage_id": self.stages["appointment_made"].id})
        self.assertTrue(lead.active)
        self.assertEqual(lead.won_status, "pending")
        self.assertFalse(lead.lost_reason_id)
        self.assertEqual(self._rows(lead)[-1], ("lost", "appointment_made", "reopen"))

    def test_won_from_lost(self):
        lead = self._lead("retainer_signed")
        lead.action_set_lost()
        lead.action_set_won()
        self.assertTrue(lead.active)
        self.assertEqual(lead.won_status, "won")
        self.assertEqual(self._rows(lead)[-1], ("lost", "retainer_funded", "reopen"))

    def test_refuse_wizard_records_why(self):
        leads = self._lead("contact_made", name="PNC A") | self._lead(
            "appointment_made", name="PNC B"
        )
        wizard = Form(
            self.env["crm.lead.refuse"].with_context(
                active_model="crm.lead", active_ids=leads.ids
            )
        )
        wizard.refusal_reason_id = self.referred_out
        wizard.referred_to_id = self.other_firm
        wizard.refusal_note = "Custody matter in another county"
        wizard.save().action_refuse_apply()
        for lead in leads:
            self.assertEqual(lead.stage_id, self.stages["refused"])
            self.assertEqual(lead.won_status, "lost")
            self.assertEqual(lead.refusal_reason_id, self.referred_out)
            self.assertEqual(lead.referred_to_id, self.other_firm)
            self.assertEqual(self._rows(lead)[-1][1:], ("refused", "refused"))

    def test_referral_reason_needs_who(self):
        lead = self._lead("contact_made", name="Quinn Referral")
        with self.assertRaisesRegex(UserError, "Quinn Referral.*Referred To"):
            lead.action_set_refused(self.referred_out.id)
        self.assertEqual(lead.stage_id, self.stages["contact_made"])
        self.assertTrue(lead.active)

    def test_restore_refused_clears_refusal(self):
        lead = self._lead("contact_made")
        lead.action_set_refused(self.conflict.id, refusal_note="Adverse to client")
        lead.action_restore()
        self.assertEqual(lead.stage_id, self.stages["contact_made"])
        self.assertFalse(lead.refusal_reason_id)

    def test_stage_without_role_keeps_crm_behaviour(self):
        plain = self.env["crm.stage"].create({"name": "Plain stage", "sequence": 1})
        lead = self._lead("contact_made", stage_id=plain.id)
        lead.action_set_lost()
        self.assertEqual(lead.stage_id, plain)
        self.assertEqual(lead.won_status, "lost")
        self.assertEqual(self._rows(lead), [(False, False, "entry")])

    def test_urgent_intake(self):
        self.env.company.intake_urgent_after_hours = 2
        # The threshold counts working hours (8-12, 13-17 on weekdays): a
        # Monday morning in UTC, all of it within working time.
        self.env.company.resource_calendar_id.tz = "UTC"
        with self._at("2026-05-04 08:00:00"):
            waiting = self._lead("contact_info_received", name="Waiting")
        with self._at("2026-05-04 09:30:00"):
            fresh = self._lead("contact_info_received", name="Fresh")
            answered = self._lead("contact_made", name="Answered")
        with self._at("2026-05-04 10:30:00"):
            leads = waiting | fresh | answered
            leads.invalidate_recordset(["is_intake_urgent", "milestone_days"])
            self.assertEqual(leads.mapped("is_intake_urgent"), [True, False, False])
            found = self.env["crm.lead"].search(
                [("is_intake_urgent", "=", True), ("id", "in", leads.ids)]
            )
            self.assertEqual(found, waiting)
            not_urgent = self.env["crm.lead"].search(
                [("is_intake_urgent", "=", False), ("id", "in", leads.ids)]
            )
            self.assertEqual(not_urgent, fresh | answered)
        with self._at("2026-05-09 10:00:00"):
            waiting.invalidate_recordset(["milestone_days"])
            self.assertEqual(waiting.milestone_days, 5)

    def test_drag_to_refused_needs_a_reason(self):
        lead = self._lead("contact_made", name="Rita Dragged")
        with self.assertRaisesRegex(ValidationError, "Rita Dragged.*Refuse button"):
            lead.write({"stage_id": self.stages["refused"].id})
        lead.write(
            {
                "stage_id": self.stages["refused"].id,
                "refusal_reason_id": self.conflict.id,
            }
        )
        self.assertEqual(lead.won_status, "lost")
        with self.assertRaisesRegex(ValidationError, "Referred To"):
            lead.write({"refusal_reason_id": self.referred_out.id})

    def test_won_lead_cannot_be_refused(self):
        lead = self._lead("retainer_signed", name="Wendy Won")
        lead.action_set_won()
        with self.assertRaisesRegex(UserError, "Wendy Won.*cannot be refused"):
            lead.action_set_refused(self.conflict.id)
        self.assertEqual(lead.won_status, "won")

    def test_refusal_input_errors_name_the_lead(self):
        lead = self._lead("contact_made", name="Ivan Input")
        with self.assertRaisesRegex(UserError, "Ivan Input.*refusal reason"):
            lead.action_set_refused("Conflict")
        with self.assertRaisesRegex(UserError, "Ivan Input.*not a contact"):
            lead.action_set_refused(self.referred_out.id, referred_to_id=987654321)
        self.assertTrue(lead.active)

    def test_reopening_by_drag_restores_probability(self):
        lead = self._lead("initial_consult")
        lead.action_set_lost(lost_reason_id=self.lost_reason.id)
        self.assertEqual(lead.probability, 0)
        lead.write({"stage_id": self.stages["initial_consult"].id})
        self.assertTrue(lead.active)
        self.assertEqual(lead.probability, lead.automated_probability)
        self.assertGreater(lead.probability, 0)

    def test_refused_then_lost_keeps_one_reason(self):
        lead = self._lead("contact_made")
        lead.action_set_refused(self.conflict.id)
        lead.write({"stage_id": self.stages["lost"].id})
        self.assertEqual(lead.stage_id, self.stages["lost"])
        self.assertFalse(lead.refusal_reason_id)

    def test_lost_button_on_a_refused_lead_moves_it_to_lost(self):
        lead = self._lead("contact_made", name="Lena Refused Then Lost")
        lead.action_set_refused(self.conflict.id)
        lead.action_set_lost(lost_reason_id=self.lost_reason.id)
        self.assertEqual(lead.stage_id, self.stages["lost"])
        self.assertEqual(lead.lost_reason_id, self.lost_reason)
        self.assertFalse(lead.refusal_reason_id)
        self.assertFalse(lead.active)
        self.assertEqual(
            [log.move_kind for log in lead.milestone_log_ids.sorted("id")],
            ["entry", "refused", "lost"],
        )

    def test_bulk_moves_name_every_lead_missing_a_reason(self):
        leads = self._leads(["Ann Bulk", "Ben Bulk", "Cy Bulk"])
        leads[0].waiting_reason = "funds"
        # Odoo's assertRaises rolls the failed write back, as an RPC call is.
        with self.assertRaises(ValidationError) as waiting:
            leads.write({"stage_id": self.stages["waiting_on"].id})
        self.assertRegex(str(waiting.exception), "^Ben Bulk, Cy Bulk: say what")
        with self.assertRaises(ValidationError) as refused:
            leads.write({"stage_id": self.stages["refused"].id})
        self.assertRegex(
            str(refused.exception), "^Ann Bulk, Ben Bulk, Cy Bulk: say why"
        )
        self.assertEqual(set(leads.mapped("milestone_role")), {"contact_made"})

    def test_merge_keeps_the_live_lead(self):
        live = self._lead("retainer_signed", name="Live Lead", expected_revenue=9000)
        old = self._lead("contact_made", name="Old Duplicate")
        old.action_set_refused(self.conflict.id)
        waiting = self._lead("waiting_on", name="Waiting Duplicate")
        merged = (live | old | waiting)._merge_opportunity(max_length=None)
        self.assertEqual(merged, live)
        self.assertTrue(merged.active)
        self.assertEqual(merged.stage_id, self.stages["retainer_signed"])

        won = self._lead("retainer_signed", name="Won Lead")
        won.action_set_won()
        waiting = self._lead("waiting_on", name="Waiting Again")
        merged = (waiting | won)._merge_opportunity(max_length=None)
        self.assertEqual(merged, won)
        self.assertEqual(merged.won_status, "won")

    def test_urgency_threshold_is_validated(self):
        for hours in (0, -5, 721, 1e308):
            with self.assertRaisesRegex(ValidationError, "urgent-intake threshold"):
                self.env.company.intake_urgent_after_hours = hours
        self.env.company.intake_urgent_after_hours = 4
        self.assertEqual(self.env.company.intake_urgent_after_hours, 4)
