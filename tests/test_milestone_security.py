from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import MilestoneCase


@tagged("post_install", "-at_install")
class TestMilestoneSecurity(MilestoneCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.own_lead = cls._lead("contact_made", name="Own", user_id=cls.intake_user.id)
        cls.other_lead = cls._lead(
            "contact_made", name="Other", user_id=cls.other_intake_user.id
        )
        cls.unassigned_lead = cls._lead(
            "contact_made", name="Unassigned", user_id=False
        )
        cls.admin = cls.env.ref("base.user_admin")

    def _visible_leads(self, user):
        logs = (
            self.env["crm.lead.milestone.log"]
            .with_user(user)
            .search(
                [
                    (
                        "lead_id",
                        "in",
                        (self.own_lead | self.other_lead | self.unassigned_lead).ids,
                    )
                ]
            )
        )
        return logs.lead_id

    def test_intake_sees_own_and_unassigned_history(self):
        self.assertEqual(
            self._visible_leads(self.intake_user), self.own_lead | self.unassigned_lead
        )

    def test_attorney_sees_all_history(self):
        self.assertEqual(
            self._visible_leads(self.attorney),
            self.own_lead | self.other_lead | self.unassigned_lead,
        )

    def test_history_of_own_lost_lead_stays_visible(self):
        self.own_lead.action_set_lost()
        logs = (
            self.env["crm.lead.milestone.log"]
            .with_user(self.intake_user)
            .search([("lead_id", "=", self.own_lead.id)])
        )
        self.assertEqual(logs.mapped("move_kind"), ["lost", "entry"])

    def test_nobody_edits_the_log(self):
        log = self.own_lead.milestone_log_ids
        for user in (self.intake_user, self.attorney, self.admin):
            with self.assertRaises(AccessError):
                log.with_user(user).write({"move_kind": "skip"})
            with self.assertRaises(AccessError):
                self.env["crm.lead.milestone.log"].with_user(user).create(
                    {"lead_id": self.own_lead.id, "move_kind": "next"}
                )

    def test_only_admin_deletes_rows(self):
        log = self.own_lead.milestone_log_ids
        for user in (self.intake_user, self.attorney):
            with self.assertRaises(AccessError):
                log.with_user(user).unlink()
        log.with_user(self.admin).unlink()
        self.assertFalse(log.exists())

    def test_other_company_history_is_hidden(self):
        other_company = self.env["res.company"].create({"name": "Second Office LLP"})
        self.attorney.write({"company_ids": [(4, other_company.id)]})
        foreign = self._lead(
            "contact_made", name="Foreign", company_id=other_company.id, team_id=False
        )
        logs = (
            self.env["crm.lead.milestone.log"]
            .with_user(self.attorney)
            .with_context(allowed_company_ids=self.env.company.ids)
            .search([("lead_id", "=", foreign.id)])
        )
        self.assertFalse(logs)
        logs = (
            self.env["crm.lead.milestone.log"]
            .with_user(self.attorney)
            .with_context(allowed_company_ids=(self.env.company | other_company).ids)
            .search([("lead_id", "=", foreign.id)])
        )
        self.assertEqual(len(logs), 1)

    def test_salesman_moves_own_lead_log_written_as_them(self):
        self.own_lead.with_user(self.intake_user).write(
            {"stage_id": self.stages["appointment_made"].id}
        )
        last = self.own_lead.milestone_log_ids.sorted("id")[-1]
        self.assertEqual(last.user_id, self.intake_user)
        self.assertEqual(last.salesperson_id, self.intake_user)
