from datetime import date, datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..lib import flow, milestones
from .crm_milestone_report_mixin import LEAD_COLUMNS, NO_MILESTONE

# The from-side of a lead's first row: it was created there.
CREATED = "created"
# Context key of the log's flag counting a grouped read's distinct leads.
FIRST_FLAG = "crm_milestone_first_flag"
# The row's fields that can split one lead's rows among groups.
MOVE_FIELDS = frozenset({"from_milestone", "to_milestone", "move_kind"})
# By the move fields a read groups on, the log's flag of the first row of
# each lead in each group (the kind of move follows from the two milestones).
FIRST_FLAGS = {
    frozenset(): "lead_first",
    frozenset({"from_milestone"}): "from_first",
    frozenset({"to_milestone"}): "to_first",
    frozenset({"from_milestone", "to_milestone"}): "move_first",
    MOVE_FIELDS: "move_first",
}


class CrmMilestoneFlowReport(models.Model):
    """Every move of every lead: from-milestone x to-milestone.

    One row per transition-log row, creation included, with the lead's
    current team, salesperson, source and company: pivoting from-milestone
    against to-milestone gives the flow matrix. ``__count`` counts moves,
    ``lead_count`` the distinct leads that made them: in a grouped read whose
    groups split a lead's rows only by its moves, the lead's first row in
    each group, which the log marks, so the leads need no sorting.
    """

    _name = "crm.milestone.flow.report"
    _inherit = ["crm.milestone.report.mixin"]
    _description = "Milestone Flow"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "lead_id"
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
            *FIRST_FLAGS.values(),
        ],
    }

    date = fields.Datetime("Moved On", readonly=True)
    from_milestone = fields.Selection("_selection_from_milestone", readonly=True)
    to_milestone = fields.Selection("_selection_milestone", readonly=True)
    move_kind = fields.Selection(
        [(kind, label) for kind, label in milestones.MOVE_LABELS.items()],
        string="Kind of Move",
        readonly=True,
    )
    lead_id = fields.Many2one("crm.lead", readonly=True)
    lead_create_date = fields.Datetime("Lead Created On", readonly=True)
    duration_days = fields.Float(
        "Days in Previous Milestone", readonly=True, aggregator="avg"
    )
    lead_count = fields.Integer("Leads", readonly=True, aggregator="count_distinct")

    @api.model
    def _selection_from_milestone(self):
        return [(CREATED, self.env._("Created")), *self._selection_milestone()]

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT log.id,
                   log.date,
                   CASE WHEN log.move_kind = 'entry' THEN %(created)s
                        ELSE COALESCE(log.from_role, %(none)s)
                   END AS from_milestone,
                   COALESCE(log.to_role, %(none)s) AS to_milestone,
                   log.move_kind,
                   log.duration_days,
                   log.lead_first,
                   log.from_first,
                   log.to_first,
                   log.move_first,
                   1 AS lead_count,
                   lead.id AS lead_id,
                   lead.create_date AS lead_create_date,
                   %(lead_columns)s
              FROM crm_lead_milestone_log log
              JOIN crm_lead lead ON lead.id = log.lead_id
            """,
            created=CREATED,
            none=NO_MILESTONE,
            lead_columns=self._lead_columns("lead"),
        )

    @api.model
    def _read_group_context(self, domain, groupby, aggregates, having, order):
        context = super()._read_group_context(
            domain, groupby, aggregates, having, order
        )
        if "lead_count:count_distinct" in aggregates:
            moves = frozenset({spec.split(":")[0] for spec in groupby} & MOVE_FIELDS)
            lead_fields = {*LEAD_COLUMNS, "lead_id", "lead_create_date"}
            # Whatever else the read groups or filters on is the lead's own.
            names = self._read_group_names(domain, groupby)
            if moves in FIRST_FLAGS and names <= lead_fields | moves:
                context[FIRST_FLAG] = FIRST_FLAGS[moves]
        return context

    def _read_group_select(self, aggregate_spec, query):
        flag = self.env.context.get(FIRST_FLAG)
        if aggregate_spec == "lead_count:count_distinct" and flag:
            return SQL("COUNT(*) FILTER (WHERE %s)", SQL.identifier(self._table, flag))
        return super()._read_group_select(aggregate_spec, query)

    # ------------------------------------------------------------
    # FLOW DIAGRAM
    # ------------------------------------------------------------

    @api.model
    def get_flow_diagram(
        self,
        date_from=False,
        date_to=False,
        team_id=False,
        user_id=False,
        practice_area_id=False,
    ):
        """Nodes and links of the flow diagram for the leads the user can read.

        Leads are filtered on their creation date (``date_from`` and
        ``date_to`` as ISO dates, both included, in the user's timezone),
        team, salesperson and practice area. Each
        lead flows forward along the main path, one link per milestone
        further than any before (a skip is one link), then from the furthest
        milestone into Lost, Refused or Waiting On when it sits there now.
        """
        domain = Domain.TRUE
        try:
            start = fields.Date.to_date(date_from) if date_from else None
            end = fields.Date.to_date(date_to) if date_to else None
            ids = {
                name: int(value)
                for name, value in (
                    ("team_id", team_id),
                    ("user_id", user_id),
                    ("practice_area_id", practice_area_id),
                )
                if value
            }
        except (TypeError, ValueError) as error:
            raise UserError(
                self.env._(
                    "The flow diagram's filters are dates (YYYY-MM-DD) and "
                    "record ids: %(error)s",
                    error=error,
                )
            ) from error
        if start and end and end < start:
            raise UserError(
                self.env._(
                    "The period ends on %(end)s, before it starts on %(start)s: "
                    "set the end date on or after the start date.",
                    end=end,
                    start=start,
                )
            )
        # The calendar's first and last days stand for "no limit": their
        # midnights in some time zones fall outside what a datetime can hold.
        if start and start > date.min:
            domain &= Domain("create_date", ">=", self._local_midnight(start))
        if end and end < date.max:
            end_moment = self._local_midnight(end + timedelta(days=1))
            domain &= Domain("create_date", "<", end_moment)
        for name, value in ids.items():
            domain &= Domain(name, "=", value)
        return self._flow_diagram(domain)

    @api.model
    def _local_midnight(self, day):
        """The UTC moment a day starts in the user's timezone."""
        local = self._user_timezone().localize(datetime.combine(day, time.min))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _flow_diagram(self, lead_domain):
        # The lead query carries crm.lead's record rules: what the user
        # cannot read does not flow.
        leads = self.env["crm.lead"].with_context(active_test=False)
        lead_query = leads._search(Domain(lead_domain))
        self.env["crm.lead.milestone.log"].flush_model(["lead_id", "date", "to_role"])
        leads.flush_model(["stage_id", "milestone_role"])
        index = self._role_index(SQL("log.to_role"))
        rows = self.env.execute_query(
            SQL(
                """
                WITH visible AS (%(lead_ids)s),
                moves AS (
                    SELECT log.lead_id,
                           %(index)s AS reached,
                           MAX(%(index)s) OVER (
                               PARTITION BY log.lead_id
                               ORDER BY log.date, log.id
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                           ) AS before
                      FROM crm_lead_milestone_log log
                     WHERE log.lead_id IN (SELECT id FROM visible)
                ),
                furthest AS (
                    SELECT lead_id, MAX(reached) AS reached
                      FROM moves GROUP BY lead_id
                )
                SELECT %(before_role)s, %(reached_role)s, COUNT(*)
                  FROM moves
                 WHERE moves.before >= 0 AND moves.reached > moves.before
                 GROUP BY moves.before, moves.reached
                UNION ALL
                SELECT %(furthest_role)s, lead.milestone_role, COUNT(*)
                  FROM furthest
                  JOIN crm_lead lead ON lead.id = furthest.lead_id
                 WHERE furthest.reached >= 0
                   AND lead.milestone_role IN %(outcomes)s
                 GROUP BY furthest.reached, lead.milestone_role
                """,
                lead_ids=lead_query.select(SQL.identifier(leads._table, "id")),
                index=index,
                before_role=self._role_at(SQL("moves.before")),
                reached_role=self._role_at(SQL("moves.reached")),
                furthest_role=self._role_at(SQL("furthest.reached")),
                outcomes=flow.OUTCOME_NODES,
            )
        )
        labels = dict(self._selection_milestone())
        return flow.sankey(
            {(source, target): count for source, target, count in rows},
            labels=labels,
        )
