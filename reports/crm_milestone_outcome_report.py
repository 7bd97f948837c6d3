from odoo import fields, models
from odoo.tools import SQL

from ..lib import milestones
from .crm_milestone_report_mixin import LEAD_COLUMNS, NO_MILESTONE

OUTCOME_SELECTION = [
    ("funded", "Funded"),
    ("open", "Still open"),
    ("waiting", "Waiting"),
    ("lost", "Lost"),
    ("refused", "Refused"),
    (NO_MILESTONE, "No milestone"),
]


class CrmMilestoneOutcomeReport(models.Model):
    """Where each lead got to and how it ended: one row per lead.

    ``last_milestone`` is the last open main-path milestone the lead was in
    (Awaiting Info .. Retainer Signed, by date: where it was when it was
    funded, lost or refused, or where it is now), ``furthest_milestone`` the
    furthest main-path milestone it ever entered, and ``outcome`` comes from
    the milestone its stage plays now. The first two are the lead's own
    summary of its log (``milestone_last_open``, ``milestone_furthest``);
    leads without a row in the log are left out.
    """

    _name = "crm.milestone.outcome.report"
    _inherit = ["crm.milestone.report.mixin"]
    _description = "Milestone Outcomes"
    _auto = False
    _order = "id desc"
    _rec_name = "lead_id"
    _depends = {
        "crm.lead": [
            "create_date",
            *LEAD_COLUMNS,
            "stage_id",
            "milestone_role",
            "date_last_stage_update",
            "expected_revenue",
            "milestone_furthest",
            "milestone_last_open",
            "milestone_move_count",
        ],
    }

    lead_id = fields.Many2one("crm.lead", readonly=True)
    lead_create_date = fields.Datetime("Lead Created On", readonly=True)
    last_milestone = fields.Selection(
        "_selection_milestone",
        string="Last Open Milestone",
        readonly=True,
        help="The last open main-path milestone the lead was in.",
    )
    furthest_milestone = fields.Selection("_selection_milestone", readonly=True)
    current_milestone = fields.Selection(
        "_selection_milestone", string="Milestone Now", readonly=True
    )
    outcome = fields.Selection(OUTCOME_SELECTION, readonly=True)
    outcome_date = fields.Datetime(
        readonly=True, help="When the lead entered the milestone it is in now."
    )
    expected_revenue = fields.Float("Expected Fees", readonly=True)
    lead_count = fields.Integer("Leads", readonly=True, aggregator="sum")

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT lead.id,
                   lead.id AS lead_id,
                   lead.create_date AS lead_create_date,
                   %(lead_columns)s,
                   COALESCE(lead.milestone_last_open, %(none)s) AS last_milestone,
                   COALESCE(lead.milestone_furthest, %(none)s) AS furthest_milestone,
                   COALESCE(lead.milestone_role, %(none)s) AS current_milestone,
                   CASE
                       WHEN lead.milestone_role = %(funded)s THEN 'funded'
                       WHEN lead.milestone_role = %(lost)s THEN 'lost'
                       WHEN lead.milestone_role = %(refused)s THEN 'refused'
                       WHEN lead.milestone_role = %(waiting)s THEN 'waiting'
                       WHEN lead.milestone_role IS NOT NULL THEN 'open'
                       ELSE %(none)s
                   END AS outcome,
                   lead.date_last_stage_update AS outcome_date,
                   lead.expected_revenue,
                   1 AS lead_count
              FROM crm_lead lead
             WHERE lead.milestone_move_count > 0
            """,
            lead_columns=self._lead_columns("lead"),
            none=NO_MILESTONE,
            funded=milestones.RETAINER_FUNDED,
            lost=milestones.LOST,
            refused=milestones.REFUSED,
            waiting=milestones.WAITING_ON,
        )
