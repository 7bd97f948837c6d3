"""Shared fixtures of the conflict check tests (no tests of its own)."""

from odoo.fields import Command

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import MilestoneCase


class ConflictCase(MilestoneCase):
    """Milestone fixtures plus conflict attorneys and an intake manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.conflict_attorney = mail_new_test_user(
            cls.env,
            login="clm_conflict",
            name="Cora Conflicts",
            groups="crm_law_milestones.group_conflict_check",
        )
        cls.second_attorney = mail_new_test_user(
            cls.env,
            login="clm_conflict_second",
            name="Sol Second",
            groups="crm_law_milestones.group_conflict_check",
        )
        cls.intake_manager = mail_new_test_user(
            cls.env,
            login="clm_intake_manager",
            name="Mona Manager",
            groups="crm_law_milestones.group_intake_manager",
        )
        cls.company = cls.env.company

    @classmethod
    def _matter(cls, role="contact_made", contact=None, parties=(), **values):
        """A lead whose prospective client is ``contact`` with ``parties``,
        each a (name, role) pair."""
        return cls._lead(
            role,
            name=values.pop("name", f"Matter of {contact or 'nobody'}"),
            contact_name=contact or False,
            party_ids=[
                Command.create({"name": name, "role": party_role})
                for name, party_role in parties
            ],
            **values,
        )

    def _run(self, lead, user=None):
        """Run the conflict check on ``lead`` as ``user`` (a conflict
        attorney by default) and return the new run."""
        lead.with_user(user or self.conflict_attorney).action_run_conflict_check()
        return lead.conflict_check_id

    @staticmethod
    def _hits_on(run, lead):
        """The run's hits on the matter ``lead``."""
        return run.hit_ids.filtered(lambda hit: hit.found_lead_id == lead)
