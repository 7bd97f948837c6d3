import pytz

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..lib import milestones

# Rows whose stage played no milestone (legacy stages, backfilled entry rows).
NO_MILESTONE = "none"
# The lead's fields every report carries on its rows (see _lead_columns).
LEAD_COLUMNS = ("team_id", "user_id", "source_id", "practice_area_id", "company_id")
# Context key of a grouped read's report fields (see _read_group).
READ_FIELDS = "crm_milestone_read_fields"


class CrmMilestoneReportMixin(models.AbstractModel):
    """What every milestone report shares.

    The lead's current team, salesperson, source and company on each row, so
    that every report filters and groups alike and carries the same record
    rules as ``crm.lead`` (a SQL report does not inherit them); milestone
    labels that follow the stages playing each role; and groups that come out
    in milestone order rather than alphabetically.

    A report whose rows sum up many leads can answer a grouped read from
    smaller rows carrying only the fields that read needs: it lists in
    ``_grouped_aggregates`` the aggregates it computes right from such rows,
    and its ``_table_query`` reads those fields with ``_read_fields()``.
    """

    # Aggregates a report computes right from rows without the fields a
    # grouped read does not need (empty: the report always has all its rows).
    _grouped_aggregates = frozenset()
    # Fields such rows can carry.
    _grouped_fields = frozenset()

    _name = "crm.milestone.report.mixin"
    _description = "Milestone Report Fields"

    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    practice_area_id = fields.Many2one("crm.practice.area", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)

    @api.model
    def _selection_milestone(self):
        """Role labels, with the names of the stages playing each role when
        they differ from it (an admin's "Called Back" for Contact Made)."""
        labels = dict(
            self.env["crm.stage"]
            ._fields["milestone_role"]
            ._description_selection(self.env)
        )
        stage_names = {}
        for stage in self.env["crm.stage"].search_fetch(
            [("milestone_role", "!=", False)], ["name", "milestone_role"]
        ):
            if stage.name != labels.get(stage.milestone_role):
                stage_names.setdefault(stage.milestone_role, []).append(stage.name)
        selection = []
        for role in milestones.ROLES:
            label = labels.get(role, role)
            if role in stage_names:
                label = f"{label} ({', '.join(stage_names[role])})"
            selection.append((role, label))
        selection.append((NO_MILESTONE, self.env._("No milestone")))
        return selection

    @api.model
    def _user_timezone(self):
        """The user's timezone (the context's first), UTC when unknown."""
        tz = self.env.context.get("tz") or self.env.user.tz
        return pytz.timezone(tz if tz in pytz.all_timezones_set else "UTC")

    @api.model
    def _lead_columns(self, lead):
        """The lead's dimensions shared by all reports, from alias ``lead``:
        its current team, salesperson, source, practice area and company (the
        record rules
        go by the current salesperson and company, as on the lead)."""
        return SQL(
            """
            %(lead)s.team_id AS team_id,
            %(lead)s.user_id AS user_id,
            %(lead)s.source_id AS source_id,
            %(lead)s.practice_area_id AS practice_area_id,
            %(lead)s.company_id AS company_id
            """,
            lead=SQL.identifier(lead),
        )

    @api.model
    def _lead_columns_kept(self, alias, kept):
        """The same dimensions read from alias ``alias``, NULL for those not
        in ``kept``: a grouped read carries only the columns it needs."""
        return SQL(", ").join(
            SQL(
                "%s AS %s",
                SQL.identifier(alias, name) if name in kept else SQL("NULL::int"),
                SQL.identifier(name),
            )
            for name in LEAD_COLUMNS
        )

    @api.model
    def _role_index(self, role_sql):
        """Position of a main-path role (0 for Awaiting Info), -1 otherwise.

        A CASE rather than array_position: it runs once per log row and is
        the cheaper of the two on a few hundred thousand rows.
        """
        whens = SQL(" ").join(
            SQL("WHEN %s THEN %s", role, index)
            for index, role in enumerate(milestones.MAIN_PATH)
        )
        return SQL("(CASE %s %s ELSE -1 END)", role_sql, whens)

    @api.model
    def _role_at(self, index_sql):
        """The main-path role at a position (the inverse of _role_index)."""
        return SQL("(%s::varchar[])[%s + 1]", list(milestones.MAIN_PATH), index_sql)

    @api.model
    def _read_group(
        self,
        domain,
        groupby=(),
        aggregates=(),
        having=(),
        offset=0,
        limit=None,
        order=None,
    ):
        context = self._read_group_context(domain, groupby, aggregates, having, order)
        if not context:
            return super()._read_group(
                domain, groupby, aggregates, having, offset, limit, order
            )
        report = self.with_context(**context)
        rows = super(CrmMilestoneReportMixin, report)._read_group(
            domain, groupby, aggregates, having, offset, limit, order
        )
        # Records among the group values would keep the narrowed rows in
        # their context: give them the caller's.
        return [
            tuple(
                value.with_env(self.env)
                if isinstance(value, models.BaseModel)
                else value
                for value in row
            )
            for row in rows
        ]

    @api.model
    def _read_group_context(self, domain, groupby, aggregates, having, order):
        """What a grouped read tells ``_table_query`` (empty: nothing, the
        report gives all its rows): the fields it needs, when the report can
        narrow its rows to them."""
        read_fields = self._read_group_fields(
            domain, groupby, aggregates, having, order
        )
        return {READ_FIELDS: read_fields} if read_fields is not None else {}

    @api.model
    def _read_group_fields(self, domain, groupby, aggregates, having, order):
        """The report's fields a grouped read needs (its groups, its domain
        and the record rules), or None when it needs every row as it is."""
        supported = self._grouped_aggregates
        if not supported or not set(aggregates) <= supported:
            return None
        if any(
            cond.field_expr not in supported
            for cond in Domain(having).iter_conditions()
        ):
            return None
        for term in (order or "").split(","):
            spec = term.split()[0] if term.strip() else None
            if spec and spec not in groupby and spec not in supported:
                return None
        names = self._read_group_names(domain, groupby)
        if not names <= self._grouped_fields:
            return None
        return names

    @api.model
    def _read_group_names(self, domain, groupby):
        """The report's fields a grouped read groups or filters on, the
        record rules' included."""
        names = {spec.split(":")[0] for spec in groupby}
        conditions = Domain(domain)
        if not self.env.su:
            conditions &= self.env["ir.rule"]._compute_domain(self._name, "read")
        names.update(
            cond.field_expr.split(".")[0] for cond in conditions.iter_conditions()
        )
        return frozenset(names)

    @api.model
    def _read_fields(self):
        """The fields the rows must carry: None for all of them (every read
        but a grouped one the report can narrow)."""
        return self.env.context.get(READ_FIELDS)

    def _read_group_select(self, aggregate_spec, query):
        # A lead appears on several rows of some reports: its count is the
        # number of distinct leads, whatever the grouping.
        if aggregate_spec == "lead_count:count_distinct":
            return SQL(
                "COUNT(DISTINCT %s)",
                self._field_to_sql(self._table, "lead_id", query),
            )
        return super()._read_group_select(aggregate_spec, query)

    def _read_group_orderby(self, order, groupby_terms, query):
        # Selection groups (milestones, outcomes, kinds of move) sort in the
        # order the selection lists them: the firm's path, not the alphabet.
        # Only the ORDER BY sees the position; GROUP BY keeps the value.
        order_terms = dict(groupby_terms)
        for spec, term in groupby_terms.items():
            field = self._fields.get(spec)
            if field and field.type == "selection":
                keys = field.get_values(self.env)
                order_terms[spec] = SQL(
                    "array_position(%s::varchar[], %s::varchar)", keys, term
                )
        result = super()._read_group_orderby(order, order_terms, query)
        # Many2one orders may have added columns to their group term.
        for spec in groupby_terms:
            if spec not in self._fields or self._fields[spec].type != "selection":
                groupby_terms[spec] = order_terms[spec]
        return result
