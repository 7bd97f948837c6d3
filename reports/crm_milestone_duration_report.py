from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import milestones
from .crm_milestone_report_mixin import LEAD_COLUMNS, NO_MILESTONE

# Speed to lead ends at the first move from Contact Info Received to one of
# these: an open milestone further along the main path.
ANSWERED_ROLES = (
    milestones.CONTACT_MADE,
    milestones.APPOINTMENT_MADE,
    milestones.INITIAL_CONSULT,
    milestones.RETAINER_SIGNED,
)


class CrmMilestoneDurationReport(models.Model):
    """How long leads stay in each milestone, and speed to lead.

    One row per finished stay: each log row that moved a lead out of a stage
    is the end of its stay in the milestone that stage played, and the log
    keeps how many days it lasted. Stays still going on are left out.

    Speed to lead is set on one row per lead at most: the first move out of
    Contact Info Received to a later open milestone (Contact Made .. Retainer
    Signed), measured from the lead's first entry into Contact Info Received.
    Leads never answered have none.
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
                   answered.hours AS speed_to_lead_hours,
                   answered.hours AS speed_to_lead_median_hours,
                   1 AS lead_count,
                   lead.id AS lead_id,
                   lead.create_date AS lead_create_date,
                   %(lead_columns)s
              FROM crm_lead_milestone_log log
              JOIN crm_lead lead ON lead.id = log.lead_id
              LEFT JOIN (
                    SELECT DISTINCT ON (move.lead_id)
                           move.id,
                           EXTRACT(EPOCH FROM move.date - entry.date) / 3600.0
                               AS hours
                      FROM (
                            SELECT lead_id, MIN(date) AS date
                              FROM crm_lead_milestone_log
                             WHERE to_role = %(received)s
                             GROUP BY lead_id
                           ) entry
                      JOIN crm_lead_milestone_log move
                        ON move.lead_id = entry.lead_id
                       AND move.date >= entry.date
                     WHERE move.from_role = %(received)s
                       AND move.to_role IN %(answered)s
                     ORDER BY move.lead_id, move.date, move.id
                   ) answered ON answered.id = log.id
             WHERE log.move_kind != 'entry'
            """,
            none=NO_MILESTONE,
            lead_columns=self._lead_columns("lead"),
            received=milestones.CONTACT_INFO_RECEIVED,
            answered=ANSWERED_ROLES,
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
