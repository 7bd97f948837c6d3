from odoo import fields, models
from odoo.tools import SQL

from ..lib import milestones
from .crm_milestone_report_mixin import LEAD_COLUMNS


class CrmMilestoneFunnelReport(models.Model):
    """How many leads reached each milestone of the main path.

    One row per lead and main-path milestone (seven per lead), whether the
    lead reached it or not. A lead reached every milestone up to the furthest
    one it ever entered (a skip ahead counts the milestones passed over), so
    on the rows of one milestone:

    * ``lead_count`` (sum) is the number of leads that reached it,
    * ``previous_count`` (sum) those that reached the milestone before it,
    * ``dropped_count`` (sum) the difference: reached the previous one but
      not this one,
    * ``conversion_top`` (average of 0 or 100) is the share of all the leads
      in the group that reached it,
    * ``conversion_previous`` (average of 0 or 100, empty on the rows of
      leads that did not reach the previous milestone) is therefore
      ``lead_count / previous_count`` for the group.

    Every one of them stays right for any grouping or filter that keeps the
    milestone as a row or column: the rows of a group carry the counts of the
    same leads at every step. Summed over several milestones they mean
    nothing, which is why the views always group by milestone.
    """

    _name = "crm.milestone.funnel.report"
    _inherit = ["crm.milestone.report.mixin"]
    _description = "Milestone Funnel"
    _auto = False
    _order = "id desc"
    _rec_name = "milestone"
    _depends = {
        "crm.lead": [
            "create_date",
            *LEAD_COLUMNS,
            "stage_id",
        ],
        "crm.lead.milestone.log": ["lead_id", "to_role"],
    }

    milestone = fields.Selection("_selection_milestone", readonly=True)
    milestone_sequence = fields.Integer(readonly=True)
    furthest_milestone = fields.Selection(
        "_selection_milestone",
        readonly=True,
        help="The furthest main-path milestone the lead ever entered.",
    )
    lead_id = fields.Many2one("crm.lead", readonly=True)
    lead_create_date = fields.Datetime("Lead Created On", readonly=True)
    reached = fields.Boolean(readonly=True)
    lead_count = fields.Integer("Leads", readonly=True, aggregator="sum")
    previous_count = fields.Integer(
        "Leads at Previous Milestone", readonly=True, aggregator="sum"
    )
    dropped_count = fields.Integer(
        "Dropped Before",
        readonly=True,
        aggregator="sum",
        help="Leads that reached the previous milestone but not this one.",
    )
    conversion_previous = fields.Float(
        "Conversion from Previous (%)",
        readonly=True,
        aggregator="avg",
        help="Leads that reached this milestone, out of those that reached "
        "the one before it.",
    )
    conversion_top = fields.Float(
        "Conversion from Top (%)",
        readonly=True,
        aggregator="avg",
        help="Leads that reached this milestone, out of all the leads.",
    )

    @property
    def _table_query(self):
        steps = SQL(", ").join(
            SQL("(%s, %s)", role, index)
            for index, role in enumerate(milestones.MAIN_PATH)
        )
        return SQL(
            """
            SELECT lead.id * 8 + step.sequence AS id,
                   step.role AS milestone,
                   step.sequence AS milestone_sequence,
                   %(furthest_role)s AS furthest_milestone,
                   lead.id AS lead_id,
                   lead.create_date AS lead_create_date,
                   %(lead_columns)s,
                   reach.furthest >= step.sequence AS reached,
                   (reach.furthest >= step.sequence)::int AS lead_count,
                   (reach.furthest >= step.sequence - 1)::int AS previous_count,
                   (reach.furthest = step.sequence - 1)::int AS dropped_count,
                   CASE WHEN reach.furthest >= step.sequence - 1
                        THEN (reach.furthest >= step.sequence)::int * 100.0
                   END AS conversion_previous,
                   (reach.furthest >= step.sequence)::int * 100.0
                       AS conversion_top
              FROM (
                    SELECT log.lead_id, MAX(%(index)s) AS furthest
                      FROM crm_lead_milestone_log log
                     WHERE log.to_role IN %(main_path)s
                     GROUP BY log.lead_id
                   ) reach
              JOIN crm_lead lead ON lead.id = reach.lead_id
             CROSS JOIN (VALUES %(steps)s) AS step(role, sequence)
            """,
            furthest_role=self._role_at(SQL("reach.furthest")),
            lead_columns=self._lead_columns("lead"),
            index=self._role_index(SQL("log.to_role")),
            steps=steps,
            main_path=milestones.MAIN_PATH,
        )
