import io
from datetime import timedelta

import openpyxl

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
        # Unanswered for two working hours more than the one-hour default
        # (the threshold counts the company calendar's working hours).
        cutoff = cls.env.company._intake_urgent_cutoff(fields.Datetime.now())
        cls.forward.flush_recordset()
        cls.env.cr.execute(
            "UPDATE crm_lead SET date_last_stage_update = %s WHERE id = %s",
            [cutoff - timedelta(hours=2), cls.forward.id],
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


@tagged("post_install", "-at_install")
class TestConflictGateTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.attorney = mail_new_test_user(
            cls.env,
            login="tour_attorney",
            name="Avery Attorney",
            groups="sales_team.group_sale_salesman,"
            "crm_law_milestones.group_conflict_check",
        )
        cls.env.company.conflict_gate = True
        cls.stages = {
            stage.milestone_role: stage
            for stage in cls.env["crm.stage"].search([("milestone_role", "!=", False)])
        }
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Tour PNC Gate",
                "type": "opportunity",
                "contact_name": "Quentin Zubrowski-Tour",
                "user_id": cls.attorney.id,
                "stage_id": cls.stages["contact_made"].id,
            }
        )

    def test_conflict_gate_tour(self):
        self.start_tour(
            "/odoo", "crm_law_milestones_conflict_gate", login="tour_attorney"
        )

        self.assertEqual(self.lead.stage_id, self.stages["appointment_made"])
        self.assertEqual(self.lead.conflict_status, "clear")
        self.assertEqual(len(self.lead.conflict_check_ids), 1)
        # The refused drag wrote nothing: one entry row, then the real move.
        self.assertEqual(
            self.lead.milestone_log_ids.sorted("id").mapped("move_kind"),
            ["entry", "next"],
        )


@tagged("post_install", "-at_install")
class TestReportsTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.intake_user = mail_new_test_user(
            cls.env,
            login="tour_reports",
            name="Rita Reports",
            groups="sales_team.group_sale_salesman",
        )
        other_user = mail_new_test_user(
            cls.env,
            login="tour_reports_other",
            name="Otto Other",
            groups="sales_team.group_sale_salesman",
        )
        stages = {
            stage.milestone_role: stage
            for stage in cls.env["crm.stage"].search([("milestone_role", "!=", False)])
        }
        first, _second, _hidden = cls.env["crm.lead"].create(
            [
                {
                    "name": "Tour Report One",
                    "type": "opportunity",
                    "user_id": cls.intake_user.id,
                    "stage_id": stages["contact_info_received"].id,
                },
                {
                    "name": "Tour Report Two",
                    "type": "opportunity",
                    "user_id": cls.intake_user.id,
                    "stage_id": stages["contact_made"].id,
                },
                {
                    "name": "Tour Report Someone Else's",
                    "type": "opportunity",
                    "user_id": other_user.id,
                    "stage_id": stages["contact_made"].id,
                },
            ]
        )
        first.stage_id = stages["contact_made"]
        first.stage_id = stages["appointment_made"]

    def test_reports_tour(self):
        # The funnel counts two at Contact Made: the other salesperson's
        # lead is hidden by the same rule that hides it in the pipeline.
        self.start_tour("/odoo", "crm_law_milestones_reports", login="tour_reports")

        # The workbook the tour exported downloads with the user's session
        # and holds the same two leads.
        export = self.env["crm.intake.export"].search(
            [("create_uid", "=", self.intake_user.id)]
        )
        self.assertEqual(len(export), 1)
        self.authenticate("tour_reports", "tour_reports")
        response = self.url_open(
            f"/web/content/crm.intake.export/{export.id}/file_data"
            "?filename_field=file_name&download=true"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(export.file_name, response.headers["Content-Disposition"])
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        self.assertIn("Funnel", book.sheetnames)
        funnel = {row[0]: row[1] for row in book["Funnel"].iter_rows(values_only=True)}
        self.assertEqual(funnel["Contact Made"], 2)
        leads = [row[1] for row in book["Leads"].iter_rows(min_row=2, values_only=True)]
        self.assertEqual(sorted(leads), ["Tour Report One", "Tour Report Two"])
