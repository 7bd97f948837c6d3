from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import MilestoneCase


@tagged("post_install", "-at_install")
class TestMilestoneStages(MilestoneCase):
    def test_ten_milestones_in_order(self):
        stages = self.env["crm.stage"].search([("milestone_role", "!=", False)])
        self.assertEqual(
            stages.mapped("name"),
            [
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
            ],
        )
        self.assertEqual(
            stages.filtered("fold").mapped("milestone_role"),
            ["lost", "refused", "waiting_on"],
        )
        self.assertEqual(stages.filtered("is_won").milestone_role, "retainer_funded")
        self.assertTrue(all(stages.mapped("requirements")))

    def test_new_lead_starts_at_awaiting_info(self):
        lead = self.env["crm.lead"].create({"name": "Walk-in", "type": "opportunity"})
        self.assertEqual(lead.milestone_role, "awaiting_info")

    def test_won_stage_must_be_funded_role(self):
        with self.assertRaisesRegex(ValidationError, "Retainer Funded"):
            self.stages["retainer_signed"].is_won = True
        with self.assertRaisesRegex(ValidationError, "Is Won Stage"):
            self.stages["retainer_funded"].is_won = False

    def test_rename_keeps_role_and_history(self):
        lead = self._lead("contact_made")
        lead.stage_id = self.stages["appointment_made"]
        self.stages["appointment_made"].name = "Consultation Booked"
        self.assertEqual(
            self._rows(lead),
            [
                (False, "contact_made", "entry"),
                ("contact_made", "appointment_made", "next"),
            ],
        )
        self.assertEqual(lead.milestone_role, "appointment_made")

    def test_changing_role_never_rewrites_the_log(self):
        extra = self.env["crm.stage"].create(
            {"name": "Screening", "sequence": 25, "milestone_role": "contact_made"}
        )
        lead = self._lead("contact_info_received")
        lead.stage_id = extra
        extra.milestone_role = "awaiting_info"
        self.assertEqual(
            self._rows(lead)[-1], ("contact_info_received", "contact_made", "next")
        )
        self.assertEqual(lead.milestone_role, "awaiting_info")

    def test_stage_with_history_cannot_be_deleted(self):
        extra = self.env["crm.stage"].create(
            {"name": "Screening", "sequence": 25, "milestone_role": "contact_made"}
        )
        self._lead("contact_made").stage_id = extra
        with self.assertRaisesRegex(UserError, "Screening"):
            extra.unlink()
        unused = self.env["crm.stage"].create({"name": "Never used"})
        unused.unlink()
        self.assertFalse(unused.exists())
