from contextlib import contextmanager
from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import TransactionCase

from odoo.addons.mail.tests.common import mail_new_test_user


class MilestoneCase(TransactionCase):
    """Users, a team and the ten milestone stages, found by role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.stages = {
            stage.milestone_role: stage
            for stage in cls.env["crm.stage"].search([("milestone_role", "!=", False)])
        }
        cls.intake_user = mail_new_test_user(
            cls.env,
            login="clm_intake",
            name="Ines Intake",
            groups="sales_team.group_sale_salesman",
        )
        cls.other_intake_user = mail_new_test_user(
            cls.env,
            login="clm_intake_other",
            name="Omar Other",
            groups="sales_team.group_sale_salesman",
        )
        cls.attorney = mail_new_test_user(
            cls.env,
            login="clm_attorney",
            name="Alma Attorney",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        cls.team = cls.env["crm.team"].create({"name": "Intake Desk"})

    @classmethod
    def _lead(cls, role="contact_made", **values):
        if role == "waiting_on":
            # Waiting On requires a reason (crm.lead._check_waiting_reason).
            values.setdefault("waiting_reason", "funds")
        return cls.env["crm.lead"].create(
            {
                "name": values.pop("name", "PNC"),
                "type": "opportunity",
                "team_id": cls.team.id,
                "stage_id": cls.stages[role].id,
                **values,
            }
        )

    @classmethod
    def _leads(cls, names, role="contact_made"):
        """Opportunities of the team named ``names``, all in ``role``."""
        return cls.env["crm.lead"].union(
            *(cls._lead(role, name=name) for name in names)
        )

    @contextmanager
    def _at(self, when):
        """Freeze both the clock and the transaction's NOW() that crm uses."""
        moment = datetime.fromisoformat(when)
        with freeze_time(moment), patch.object(self.env.cr, "now", lambda: moment):
            yield
            # Stored computes such as crm's date_last_stage_update run at
            # flush: flush while the clock is still frozen.
            self.env.flush_all()

    def _rows(self, lead):
        """The lead's log as (from role, to role, kind), oldest first."""
        logs = (
            self.env["crm.lead.milestone.log"]
            .search([("lead_id", "=", lead.id)])
            .sorted(lambda log: (log.date, log.id))
        )
        return [(log.from_role, log.to_role, log.move_kind) for log in logs]
