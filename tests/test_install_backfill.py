from datetime import datetime

from odoo.tests import tagged

from odoo.addons.crm_law_milestones.hooks import (
    _archive_unused_stock_lost_reasons,
    _backfill_milestone_log,
)

from .common import MilestoneCase


@tagged("post_install", "-at_install")
class TestInstallBackfill(MilestoneCase):
    def test_backfill_gives_each_lead_one_entry_row(self):
        legacy_stage = self.env["crm.stage"].create({"name": "Legacy Qualified"})
        leads = self._lead("contact_made", name="Old A") | self._lead(
            "contact_made", name="Old B", stage_id=legacy_stage.id
        )
        self.env.flush_all()
        # As if the leads existed before the module: no history, an old stage date.
        self.env.cr.execute(
            "DELETE FROM crm_lead_milestone_log WHERE lead_id = ANY(%s)", [leads.ids]
        )
        self.env.cr.execute(
            "UPDATE crm_lead SET date_last_stage_update = '2025-11-20 10:00'"
            " WHERE id = ANY(%s)",
            [leads.ids],
        )
        self.env.invalidate_all()

        _backfill_milestone_log(self.env)
        _backfill_milestone_log(self.env)  # idempotent

        for lead, role in zip(leads, ["contact_made", False], strict=True):
            log = lead.milestone_log_ids
            self.assertEqual(len(log), 1)
            self.assertEqual(log.move_kind, "entry")
            self.assertEqual(log.to_stage_id, lead.stage_id)
            self.assertEqual(log.to_role, role)
            self.assertEqual(log.date, datetime(2025, 11, 20, 10, 0))

    def test_stock_lost_reasons_give_way_to_the_firms_own(self):
        # At install crm's unused stock reasons were archived; one a lead
        # uses stays, and the firm's own reasons are there.
        stock = self.env.ref("crm.lost_reason_2")
        stock.active = True
        self._lead("contact_made", name="Short-staffed", lost_reason_id=stock.id)
        stock_reasons = stock | self.env.ref("crm.lost_reason_3")
        stock_reasons.action_unarchive()

        _archive_unused_stock_lost_reasons(self.env)

        self.assertEqual(stock_reasons.filtered("active"), stock)
        firm_reasons = self.env["crm.lost.reason"].search([]).mapped("name")
        self.assertIn("Hired another firm", firm_reasons)
        self.assertNotIn("Not enough stock", firm_reasons)
