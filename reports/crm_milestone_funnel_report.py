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

    The furthest milestone is the lead's own (``milestone_furthest``, kept
    from the log). A grouped read that needs neither the lead nor its
    creation date gets one row per milestone and group of leads alike in the
    fields it needs, standing for all of them (``weight``): the same sums and
    averages from a few dozen rows.
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
            "milestone_furthest",
        ],
    }
    # The leads of a group count the same however they are split: a grouped
    # read that needs neither the lead nor its creation date sums up the
    # leads of each group of the fields it needs and furthest milestone.
    _grouped_aggregates = frozenset(
        {
            "__count",
            "lead_count:sum",
            "previous_count:sum",
            "dropped_count:sum",
            "conversion_previous:avg",
            "conversion_top:avg",
        }
    )
    _grouped_fields = frozenset(
        {"milestone", "milestone_sequence", "furthest_milestone", "reached"}
        | set(LEAD_COLUMNS)
    )

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
        read_fields = self._read_fields()
        if read_fields is None:
            # One row per lead and milestone.
            leads = SQL(
                """
                SELECT lead.id, lead.id AS lead_id,
                       lead.create_date AS lead_create_date, %(columns)s,
                       lead.milestone_furthest AS furthest_role, 1 AS leads
                  FROM crm_lead lead
                 WHERE lead.milestone_furthest IS NOT NULL
                """,
                columns=self._lead_columns("lead"),
            )
        else:
            # One row per group of leads alike in what the read needs.
            kept = [name for name in LEAD_COLUMNS if name in read_fields]
            leads = SQL(
                """
                SELECT NULL::int AS id, NULL::int AS lead_id,
                       NULL::timestamp AS lead_create_date, %(columns)s,
                       lead.milestone_furthest AS furthest_role,
                       COUNT(*) AS leads
                  FROM crm_lead lead
                 WHERE lead.milestone_furthest IS NOT NULL
                 GROUP BY %(groups)s
                """,
                columns=self._lead_columns_kept("lead", kept),
                groups=SQL(", ").join(
                    SQL.identifier("lead", name)
                    for name in (*kept, "milestone_furthest")
                ),
            )
        steps = SQL(", ").join(
            SQL("(%s, %s)", role, index)
            for index, role in enumerate(milestones.MAIN_PATH)
        )
        # Each count is the group's number of leads when it holds: sums and
        # the averages of _read_group_select weigh every lead alike.
        return SQL(
            """
            SELECT %(id)s AS id,
                   step.role AS milestone,
                   step.sequence AS milestone_sequence,
                   reach.furthest_role AS furthest_milestone,
                   reach.lead_id,
                   reach.lead_create_date,
                   %(lead_columns)s,
                   reach.furthest >= step.sequence AS reached,
                   reach.leads AS weight,
                   reach.leads * (reach.furthest >= step.sequence)::int
                       AS lead_count,
                   reach.leads * (reach.furthest >= step.sequence - 1)::int
                       AS previous_count,
                   reach.leads * (reach.furthest = step.sequence - 1)::int
                       AS dropped_count,
                   CASE WHEN reach.furthest >= step.sequence - 1
                        THEN reach.leads
                             * (reach.furthest >= step.sequence)::int * 100.0
                   END AS conversion_previous,
                   reach.leads * (reach.furthest >= step.sequence)::int * 100.0
                       AS conversion_top
              FROM (
                    SELECT leads.*,
                           array_position(%(main_path)s::varchar[],
                                          leads.furthest_role) - 1 AS furthest
                      FROM (%(leads)s) leads
                   ) reach
             CROSS JOIN (VALUES %(steps)s) AS step(role, sequence)
            """,
            id=SQL("reach.id * 8 + step.sequence")
            if read_fields is None
            else SQL("ROW_NUMBER() OVER ()"),
            lead_columns=self._lead_columns("reach"),
            main_path=list(milestones.MAIN_PATH),
            leads=leads,
            steps=steps,
        )

    def _read_group_select(self, aggregate_spec, query):
        # A row may stand for several leads (its weight): counts and averages
        # are over leads, which is what COUNT and AVG give on one row a lead.
        def total(column):
            return SQL("SUM(%s)", SQL.identifier(self._table, column))

        if aggregate_spec == "__count":
            return SQL("COALESCE(%s, 0)", total("weight"))
        if aggregate_spec == "conversion_top:avg":
            return SQL("%s / NULLIF(%s, 0)", total("conversion_top"), total("weight"))
        if aggregate_spec == "conversion_previous:avg":
            return SQL(
                "%s / NULLIF(%s, 0)",
                total("conversion_previous"),
                total("previous_count"),
            )
        return super()._read_group_select(aggregate_spec, query)
