from odoo import api, fields, models
from odoo.tools import SQL

from .crm_milestone_report_mixin import LEAD_COLUMNS, NO_MILESTONE


class CrmMilestoneDurationReport(models.Model):
    """How long leads stay in each milestone, and speed to lead.

    One row per finished stay: each log row that moved a lead out of a stage
    is the end of its stay in the milestone that stage played, and the log
    keeps how many days it lasted. Stays still going on are left out.

    Speed to lead is set on one row per lead at most: the first move out of
    Contact Info Received to a later open milestone (Contact Made .. Retainer
    Signed), measured from the lead's first entry into Contact Info Received.
    Leads never answered have none. The log keeps it on that row.
    """

    _name = "crm.milestone.duration.report"
    _inherit = ["crm.milestone.report.mixin"]
    _description = "Time in Milestone"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "milestone"
    _depends = {
        "crm.lead": [
            "create_date",
            *LEAD_COLUMNS,
        ],
        "crm.lead.milestone.log": [
            "lead_id",
            "date",
            "from_role",
            "to_role",
            "move_kind",
            "duration_days",
            "speed_to_lead_hours",
        ],
    }

    date = fields.Datetime("Left On", readonly=True)
    milestone = fields.Selection("_selection_milestone", readonly=True)
    next_milestone = fields.Selection(
        "_selection_milestone", string="Moved To", readonly=True
    )
    lead_id = fields.Many2one("crm.lead", readonly=True)
    lead_create_date = fields.Datetime("Lead Created On", readonly=True)
    days = fields.Float("Average Days", readonly=True, aggregator="avg")
    median_days = fields.Float(
        readonly=True,
        aggregator="avg",
        help="Half the stays were shorter than this.",
    )
    speed_to_lead_hours = fields.Float(
        "Speed to Lead (hours)",
        readonly=True,
        aggregator="avg",
        help="Average hours from a lead's first entry into Contact Info "
        "Received to its first move on to a later open milestone.",
    )
    speed_to_lead_median_hours = fields.Float(
        "Median Speed to Lead (hours)", readonly=True, aggregator="avg"
    )
    lead_count = fields.Integer("Leads", readonly=True, aggregator="count_distinct")

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT log.id,
                   log.date,
                   COALESCE(log.from_role, %(none)s) AS milestone,
                   COALESCE(log.to_role, %(none)s) AS next_milestone,
                   log.duration_days AS days,
                   log.duration_days AS median_days,
                   log.speed_to_lead_hours,
                   log.speed_to_lead_hours AS speed_to_lead_median_hours,
                   1 AS lead_count,
                   lead.id AS lead_id,
                   lead.create_date AS lead_create_date,
                   %(lead_columns)s
              FROM crm_lead_milestone_log log
              JOIN crm_lead lead ON lead.id = log.lead_id
             WHERE log.move_kind != 'entry'
            """,
            none=NO_MILESTONE,
            lead_columns=self._lead_columns("lead"),
        )

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        # Medians do not add up: each group gets its own, from its rows.
        median_of = {
            "median_days:avg": "median_days",
            "speed_to_lead_median_hours:avg": "speed_to_lead_median_hours",
        }
        if aggregate_spec in median_of:
            return SQL(
                "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY %s)",
                self._field_to_sql(self._table, median_of[aggregate_spec], query),
            )
        return super()._read_group_select(aggregate_spec, query)
