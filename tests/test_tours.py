from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user


@tagged("post_install", "-at_install")
class TestMilestoneTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.intake_user = mail_new_test_user(
            cls.env,
            login="tour_intake",
            name="Tina Tour",
            groups="sales_team.group_sale_salesman",
        )
        stages = {
            stage.milestone_role: stage
            for stage in cls.env["crm.stage"].search([("milestone_role", "!=", False)])
        }
        cls.forward, cls.lost = cls.env["crm.lead"].create(
            [
                {
                    "name": "Tour PNC Forward",
                    "type": "opportunity",
                    "user_id": cls.intake_user.id,
                    "stage_id": stages["contact_info_received"].id,
                    "expected_revenue": 4500,
                },
                {
                    "name": "Tour PNC Lost",
                    "type": "opportunity",
                    "user_id": cls.intake_user.id,
                    "stage_id": stages["initial_consult"].id,
                },
            ]
        )
        # Unanswered for three hours: past the one-hour default.
        cls.forward.flush_recordset()
        cls.env.cr.execute(
            "UPDATE crm_lead SET date_last_stage_update = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(hours=3), cls.forward.id],
        )
        cls.stages = stages

    def test_pipeline_tour(self):
        self.start_tour("/odoo", "crm_law_milestones_pipeline", login="tour_intake")

        self.assertEqual(self.forward.stage_id, self.stages["retainer_funded"])
        self.assertEqual(
            self.forward.milestone_log_ids.sorted("id").mapped("move_kind"),
            ["entry", "next", "skip"],
        )
        self.assertEqual(self.lost.stage_id, self.stages["lost"])
        self.assertEqual(self.lost.won_status, "lost")
