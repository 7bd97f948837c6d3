from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import milestones
from .crm_lead import LEAD_SUMMARY_FIELDS, MILESTONE_DATE_FIELDS
from .crm_stage import MILESTONE_ROLE_SELECTION

MOVE_KIND_SELECTION = [(kind, label) for kind, label in milestones.MOVE_LABELS.items()]

# Speed to lead ends at the first move from Contact Info Received to one of
# these: an open milestone further along the main path.
ANSWERED_ROLES = (
    milestones.CONTACT_MADE,
    milestones.APPOINTMENT_MADE,
    milestones.INITIAL_CONSULT,
    milestones.RETAINER_SIGNED,
)

# The row's fields derived from the lead's other rows.
DERIVED_FIELDS = (
    "left_at",
    "reentered_at",
    "funding_days",
    "speed_to_lead_hours",
    "lead_first",
    "from_first",
    "to_first",
    "move_first",
)


class CrmLeadMilestoneLog(models.Model):
    """One row per milestone change of a lead, written by the lead itself.

    Rows are inserted only by ``crm.lead``, from its own write paths; the
    roles are copied at the moment of the move so renaming, reordering or
    re-purposing a stage never rewrites history. What a row says is never
    edited; what follows from the lead's other rows (when it left, when it
    came back, days to funding, speed to lead, whether it is the lead's first
    of its kind) is kept up to date, with the lead's summary fields, in the
    statement that inserts rows, and again when rows move (merges) or go
    (deletion).
    """

    _name = "crm.lead.milestone.log"
    _description = "Lead Milestone Transition"
    _order = "date desc, id desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one(
        "crm.lead",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    date = fields.Datetime(
        required=True, index=True, readonly=True, default=fields.Datetime.now
    )
    user_id = fields.Many2one(
        "res.users", string="Moved By", readonly=True, ondelete="set null"
    )

    # The move
    from_stage_id = fields.Many2one("crm.stage", readonly=True, ondelete="set null")
    to_stage_id = fields.Many2one(
        "crm.stage",
        readonly=True,
        index=True,
        ondelete="set null",
    )
    from_role = fields.Selection(
        MILESTONE_ROLE_SELECTION, string="From Milestone", readonly=True
    )
    to_role = fields.Selection(
        MILESTONE_ROLE_SELECTION, string="To Milestone", readonly=True, index=True
    )
    move_kind = fields.Selection(
        MOVE_KIND_SELECTION, string="Kind of Move", required=True, readonly=True
    )
    duration_days = fields.Float(
        "Days in Previous Stage",
        readonly=True,
        aggregator="avg",
        help="How long the lead sat in the stage it left.",
    )
    merged_from = fields.Char(
        readonly=True,
        help="The lead this row was recorded on, when that lead was later "
        "merged into this one.",
    )

    # The lead at the moment of the move
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    salesperson_id = fields.Many2one("res.users", readonly=True)

    # Derived from the lead's other rows (see _summary_statement)
    left_at = fields.Datetime(
        "Left On",
        readonly=True,
        help="When the lead moved on: the date of its next row. Empty while "
        "it is still there.",
    )
    reentered_at = fields.Datetime(
        "Back On",
        readonly=True,
        help="When the lead next entered this milestone again, if it did.",
    )
    funding_days = fields.Integer(
        "Days to Funding",
        readonly=True,
        aggregator="avg",
        help="On the lead's last entry into an open milestone before its last "
        "move into Retainer Funded: whole days from here to that move.",
    )
    speed_to_lead_hours = fields.Float(
        "Speed to Lead (hours)",
        readonly=True,
        aggregator="avg",
        help="On the move that answered the lead: hours since it first "
        "entered Contact Info Received.",
    )
    # The lead's first row (by date) of its kind: counting them counts
    # distinct leads without sorting them.
    lead_first = fields.Boolean("Lead's First Row", readonly=True)
    from_first = fields.Boolean(
        "First From This Milestone",
        readonly=True,
        help="The lead's first move out of this milestone (or its creation).",
    )
    to_first = fields.Boolean(
        "First Into This Milestone",
        readonly=True,
        help="The lead's first move into this milestone.",
    )
    move_first = fields.Boolean(
        "First Such Move",
        readonly=True,
        help="The lead's first move from this milestone into that one.",
    )

    _lead_date_idx = models.Index("(lead_id, date, id)")

    @api.depends("lead_id", "to_stage_id")
    def _compute_display_name(self):
        for log in self:
            log.display_name = self.env._(
                "%(lead)s: %(stage)s",
                lead=log.lead_id.display_name,
                stage=log.to_stage_id.display_name or log.to_role or "-",
            )

    @api.model
    def _prepare_rows(self, moves, now, entry=False):
        """Log values for ``moves``: (lead, old stage, old stage date) triples.

        ``entry`` marks the leads' creation; any later move, even from no
        stage at all, is a move.
        """
        rows = []
        for lead, old_stage, old_date in moves:
            from_role = None if entry else (old_stage.milestone_role or False)
            to_role = lead.stage_id.milestone_role or False
            rows.append(
                {
                    "lead_id": lead.id,
                    "date": now,
                    "user_id": self.env.uid,
                    "from_stage_id": old_stage.id,
                    "to_stage_id": lead.stage_id.id,
                    "from_role": from_role or False,
                    "to_role": to_role,
                    "move_kind": milestones.classify_move(from_role, to_role),
                    "duration_days": (
                        (now - old_date).total_seconds() / 86400
                        if old_stage and old_date
                        else 0.0
                    ),
                    "company_id": lead.company_id.id,
                    "team_id": lead.team_id.id,
                    "salesperson_id": lead.user_id.id,
                }
            )
        return rows

    _INSERTED_COLUMNS = (
        "lead_id",
        "date",
        "user_id",
        "from_stage_id",
        "to_stage_id",
        "from_role",
        "to_role",
        "move_kind",
        "duration_days",
        "company_id",
        "team_id",
        "salesperson_id",
    )

    @api.model
    def _insert_rows(self, rows):
        """Insert log rows in one statement.

        These are system rows that no user may create, and a bulk move of
        thousands of leads writes as many: one statement keeps the stage
        change close to plain crm's cost, where the ORM's create would double
        it. The same statement derives what the new rows change on the
        leads' other rows and summary fields, and stamps the consult and
        retainer dates, so a move costs no query more than the INSERT. The
        leads' new summary goes into the ORM's cache, to be written by the
        UPDATE that flushes the stage change itself: a second UPDATE of
        every moved lead would cost as much as the move.
        """
        if not rows:
            return
        # Nothing the ORM holds for these fields may overwrite them later.
        self.env["crm.lead"].flush_model(
            [*LEAD_SUMMARY_FIELDS, *MILESTONE_DATE_FIELDS.values()]
        )
        uid, now = self.env.uid, self.env.cr.now()
        values = SQL(", ").join(
            SQL(
                "(%s)",
                SQL(", ").join(
                    # The ORM's False for "no value" is SQL's NULL.
                    None if row[column] is False else row[column]
                    for column in self._INSERTED_COLUMNS
                ),
            )
            for row in rows
        )
        # VALUES guesses no type for a column of NULLs: say them all.
        casts = SQL(", ").join(
            SQL(
                "v.%s::%s",
                SQL.identifier(column),
                SQL(self._fields[column].column_type[1]),
            )
            for column in self._INSERTED_COLUMNS
        )
        columns = SQL(", ").join(
            SQL.identifier(column) for column in self._INSERTED_COLUMNS
        )
        new_rows = SQL(
            """
            SELECT nextval(%(sequence)s) AS id, %(casts)s
              FROM (VALUES %(values)s) AS v(%(columns)s)
            """,
            sequence=f"{self._table}_id_seq",
            casts=casts,
            values=values,
            columns=columns,
        )
        inserted = SQL(", ").join(
            SQL("new.%s", SQL.identifier(column)) for column in self._INSERTED_COLUMNS
        )
        self.env.cr.execute(
            self._summary_statement(
                new_rows=new_rows,
                insert=SQL(
                    """
                    INSERT INTO %(table)s (
                        id, %(columns)s, left_at, reentered_at, funding_days,
                        speed_to_lead_hours, lead_first, from_first, to_first,
                        move_first, create_uid, create_date, write_uid,
                        write_date)
                    SELECT new.id, %(inserted)s, derived.left_at,
                           derived.reentered_at, derived.funding_days,
                           derived.speed, derived.lead_first,
                           derived.from_first, derived.to_first,
                           derived.move_first,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM new
                      JOIN derived ON derived.id = new.id
                    """,
                    table=SQL.identifier(self._table),
                    columns=columns,
                    inserted=inserted,
                    uid=uid,
                    now=now,
                ),
            )
        )
        summaries = self.env.cr.fetchall()
        self.invalidate_model(list(DERIVED_FIELDS))
        self.env["crm.lead"].invalidate_model(["milestone_log_ids"])
        self._cache_summary(summaries)

    @api.model
    def _cache_summary(self, summaries):
        """Put the leads' summary rows (lead id, then the values of
        LEAD_SUMMARY_FIELDS and MILESTONE_DATE_FIELDS, None where the lead
        never entered that milestone) in the cache, as values to flush.

        Marked dirty the way the ORM's own write marks them, so they join the
        pending UPDATE of the leads instead of costing one of their own.

        A None is left out: a new row cannot take away a lead's speed to lead
        or milestone date, and the ORM would store a missing speed as 0.0
        hours (a Float column it writes is never NULL), which SQL would
        average in.
        """
        leads = self.env["crm.lead"]
        fnames = [*LEAD_SUMMARY_FIELDS, *MILESTONE_DATE_FIELDS.values()]
        nullable = {"speed_to_lead_hours", *MILESTONE_DATE_FIELDS.values()}
        for lead_id, *values in summaries:
            lead = leads.browse(lead_id)
            summary = {
                fname: value
                for fname, value in zip(fnames, values, strict=True)
                if value is not None or fname not in nullable
            }
            for fname, value in summary.items():
                field = leads._fields[fname]
                field._update_cache(
                    lead, field.convert_to_cache(value, lead), dirty=True
                )

    @api.model
    def _refresh_summary(self, lead_ids=None):
        """Derive again, from the log as it is, the rows' stays and the
        summary fields and consult and retainer dates of the leads
        ``lead_ids`` (every lead when None).

        For the changes that do not go through ``_insert_rows``: rows moved
        by a merge, rows deleted, histories inserted in SQL (install, the
        sample firm). Returns the numbers of log rows and leads updated.
        """
        if lead_ids is not None and not lead_ids:
            return 0, 0
        self.flush_model()
        self.env["crm.lead"].flush_model(
            [*LEAD_SUMMARY_FIELDS, *MILESTONE_DATE_FIELDS.values()]
        )
        self.env.cr.execute(self._summary_statement(lead_ids=lead_ids))
        counts = self.env.cr.fetchone()
        self._invalidate_summary(lead_ids)
        return counts

    @api.model
    def _summary_statement(self, lead_ids=None, new_rows=None, insert=None):
        """One statement deriving the log rows' stays and the leads' summary.

        With ``new_rows`` (SQL of the rows to insert, ids drawn) and
        ``insert`` (their INSERT, which reads ``new`` and ``derived``), the
        leads are those of the new rows, and their new rows count with the
        ones already in the table: a data-modifying CTE cannot see what its
        statement inserts, so the new rows get their derived values at
        insertion and only the older rows are updated. Without them, it
        refreshes the leads ``lead_ids`` (every lead when None).

        Per row: ``left_at``, the date of the lead's next row (by date, then
        id); ``reentered_at``, the date of its next row into the same
        milestone; ``funding_days``, on the last entry into each open
        milestone up to the lead's last move into Retainer Funded, the whole
        days to that move; ``speed_to_lead_hours``, set on the first move
        from Contact Info Received to a later open milestone after the lead's
        first entry into Contact Info Received; ``lead_first``,
        ``from_first``, ``to_first`` and ``move_first``, whether the row is
        the lead's first (by date, then id), its first from that milestone,
        into that one, and from the one into the other. Per lead: the
        furthest main-path milestone, the last open one by date, the number
        of rows and the speed to lead.
        """
        if new_rows is not None:
            targets = SQL("SELECT DISTINCT lead_id AS id FROM new")
            history = SQL(
                """
                SELECT log.id, log.lead_id, log.date, log.from_role,
                       log.to_role, log.move_kind
                  FROM %(table)s log
                 WHERE log.lead_id IN (SELECT id FROM targets)
                 UNION ALL
                SELECT id, lead_id, date, from_role, to_role, move_kind
                  FROM new
                """,
                table=SQL.identifier(self._table),
            )
        else:
            targets = SQL("SELECT id FROM crm_lead")
            if lead_ids is not None:
                targets = SQL("%s WHERE id = ANY(%s)", targets, list(lead_ids))
            history = SQL(
                """
                SELECT log.id, log.lead_id, log.date, log.from_role,
                       log.to_role, log.move_kind
                  FROM %(table)s log
                  %(filter)s
                """,
                table=SQL.identifier(self._table),
                filter=SQL()
                if lead_ids is None
                else SQL("WHERE log.lead_id = ANY(%s)", list(lead_ids)),
            )
        # The consult and retainer dates: the lead's latest entry into each.
        stamped = SQL("").join(
            SQL(
                ", MAX(derived.date) FILTER (WHERE derived.to_role = %s) AS %s",
                role,
                SQL.identifier(field),
            )
            for role, field in MILESTONE_DATE_FIELDS.items()
        )
        return SQL(
            """
            WITH %(new)s
            targets AS (%(targets)s),
            history AS (%(history)s),
            %(derived)s,
            %(insert)s
            updated_rows AS (
                UPDATE %(table)s log
                   SET left_at = derived.left_at,
                       reentered_at = derived.reentered_at,
                       funding_days = derived.funding_days,
                       speed_to_lead_hours = derived.speed,
                       lead_first = derived.lead_first,
                       from_first = derived.from_first,
                       to_first = derived.to_first,
                       move_first = derived.move_first
                  FROM derived
                 WHERE log.id = derived.id
                   -- Lets the planner reach the rows by lead, not scan them.
                   AND log.lead_id IN (SELECT id FROM targets)
                   AND (log.left_at IS DISTINCT FROM derived.left_at
                        OR log.reentered_at IS DISTINCT FROM derived.reentered_at
                        OR log.funding_days IS DISTINCT FROM derived.funding_days
                        OR log.speed_to_lead_hours IS DISTINCT FROM derived.speed
                        OR log.lead_first IS DISTINCT FROM derived.lead_first
                        OR log.from_first IS DISTINCT FROM derived.from_first
                        OR log.to_first IS DISTINCT FROM derived.to_first
                        OR log.move_first IS DISTINCT FROM derived.move_first)
             RETURNING 1
            ),
            summary AS (
                SELECT derived.lead_id,
                       (%(main_path)s::varchar[])[MAX(array_position(
                           %(main_path)s::varchar[], derived.to_role))]
                           AS furthest,
                       (ARRAY_AGG(derived.to_role
                                  ORDER BY derived.date DESC, derived.id DESC)
                            FILTER (WHERE derived.to_role IN %(last_open)s)
                       )[1] AS last_open,
                       COUNT(*) AS moves,
                       MAX(derived.speed) AS speed
                       %(stamped)s
                  FROM derived
                 GROUP BY derived.lead_id
            )
            %(result)s
            """,
            new=SQL("new AS MATERIALIZED (%s),", new_rows)
            if new_rows is not None
            else SQL(),
            targets=targets,
            history=history,
            derived=self._derived_ctes(),
            insert=SQL("inserted AS (%s),", insert) if insert is not None else SQL(),
            table=SQL.identifier(self._table),
            main_path=list(milestones.MAIN_PATH),
            last_open=milestones.MAIN_PATH[:-1],
            stamped=stamped,
            result=self._summary_result(new_rows is not None),
        )

    @api.model
    def _summary_result(self, returning):
        """The end of _summary_statement: with ``returning``, a SELECT of
        each target lead's summary (see _cache_summary); otherwise the
        UPDATE of the leads whose summary differs, and the numbers of log
        rows and leads updated."""
        dates = list(MILESTONE_DATE_FIELDS.values())
        if returning:
            return SQL(
                """
                SELECT targets.id, summary.furthest, summary.last_open,
                       COALESCE(summary.moves, 0), summary.speed, %s
                  FROM targets
                  LEFT JOIN summary ON summary.lead_id = targets.id
                """,
                SQL(", ").join(
                    SQL("summary.%s", SQL.identifier(field)) for field in dates
                ),
            )
        return SQL(
            """
            , updated_leads AS (
                UPDATE crm_lead lead
                   SET milestone_furthest = summary.furthest,
                       milestone_last_open = summary.last_open,
                       milestone_move_count = COALESCE(summary.moves, 0),
                       speed_to_lead_hours = summary.speed,
                       %(stamps)s
                  FROM targets
                  LEFT JOIN summary ON summary.lead_id = targets.id
                 WHERE lead.id = targets.id
                   AND (lead.milestone_furthest IS DISTINCT FROM summary.furthest
                        OR lead.milestone_last_open
                           IS DISTINCT FROM summary.last_open
                        OR lead.milestone_move_count
                           IS DISTINCT FROM COALESCE(summary.moves, 0)
                        OR lead.speed_to_lead_hours
                           IS DISTINCT FROM summary.speed
                        OR %(dates_changed)s)
             RETURNING 1
            )
            SELECT (SELECT COUNT(*) FROM updated_rows),
                   (SELECT COUNT(*) FROM updated_leads)
            """,
            stamps=SQL(", ").join(
                SQL(
                    "%(field)s = COALESCE(summary.%(field)s, lead.%(field)s)",
                    field=SQL.identifier(field),
                )
                for field in dates
            ),
            dates_changed=SQL(" OR ").join(
                SQL(
                    "COALESCE(summary.%(field)s, lead.%(field)s)"
                    " IS DISTINCT FROM lead.%(field)s",
                    field=SQL.identifier(field),
                )
                for field in dates
            ),
        )

    @api.model
    def _derived_ctes(self):
        """The CTEs ``ordered``, ``answered`` and ``derived`` that give each
        row of ``history`` (id, lead_id, date, from_role, to_role, move_kind)
        its derived values (see _summary_statement); ``derived.speed`` is the
        speed to lead."""
        return SQL(
            """
            ordered AS (
                SELECT history.*,
                       LEAD(history.date) OVER by_lead AS left_at,
                       LEAD(history.date) OVER by_role AS reentered_at,
                       MIN(history.date) FILTER (
                           WHERE history.to_role = %(received)s
                       ) OVER by_lead_only AS received_at,
                       MAX(history.date) FILTER (
                           WHERE history.to_role = %(funded)s
                       ) OVER by_lead_only AS funded_at,
                       ROW_NUMBER() OVER by_lead = 1 AS lead_first,
                       ROW_NUMBER() OVER by_source = 1 AS from_first,
                       ROW_NUMBER() OVER by_role = 1 AS to_first,
                       ROW_NUMBER() OVER by_move = 1 AS move_first
                  FROM history
                WINDOW by_lead_only AS (PARTITION BY history.lead_id),
                       by_lead AS (
                           PARTITION BY history.lead_id
                           ORDER BY history.date, history.id),
                       by_role AS (
                           PARTITION BY history.lead_id, history.to_role
                           ORDER BY history.date, history.id),
                       -- A creation is a move from nowhere, apart from a
                       -- move from a stage without a role.
                       by_source AS (
                           PARTITION BY history.lead_id,
                                        history.move_kind = 'entry',
                                        history.from_role
                           ORDER BY history.date, history.id),
                       by_move AS (
                           PARTITION BY history.lead_id,
                                        history.move_kind = 'entry',
                                        history.from_role, history.to_role
                           ORDER BY history.date, history.id)
            ),
            answered AS (
                SELECT DISTINCT ON (ordered.lead_id) ordered.id,
                       EXTRACT(EPOCH FROM ordered.date - ordered.received_at)
                           / 3600.0 AS hours
                  FROM ordered
                 WHERE ordered.from_role = %(received)s
                   AND ordered.to_role IN %(answered_roles)s
                   AND ordered.date >= ordered.received_at
                 ORDER BY ordered.lead_id, ordered.date, ordered.id
            ),
            derived AS (
                SELECT ordered.*,
                       CASE WHEN ordered.to_role IN %(open_roles)s
                             AND ordered.date <= ordered.funded_at
                             AND (ordered.reentered_at IS NULL
                                  OR ordered.reentered_at > ordered.funded_at)
                            THEN FLOOR(EXTRACT(EPOCH FROM ordered.funded_at
                                                          - ordered.date)
                                       / 86400.0)::int
                       END AS funding_days,
                       answered.hours::float8 AS speed
                  FROM ordered
                  LEFT JOIN answered ON answered.id = ordered.id
            )
            """,
            received=milestones.CONTACT_INFO_RECEIVED,
            funded=milestones.RETAINER_FUNDED,
            open_roles=milestones.OPEN_ROLES,
            answered_roles=ANSWERED_ROLES,
        )

    @api.model
    def _invalidate_summary(self, lead_ids):
        """Forget what the cache knows of the summary of ``lead_ids`` (every
        lead when None) and of the rows' derived fields."""
        fnames = [
            *LEAD_SUMMARY_FIELDS,
            *MILESTONE_DATE_FIELDS.values(),
            "milestone_log_ids",
        ]
        leads = self.env["crm.lead"]
        if lead_ids is None:
            leads.invalidate_model(fnames)
        else:
            leads.browse(lead_ids).invalidate_recordset(fnames)
        self.invalidate_model(list(DERIVED_FIELDS))

    def unlink(self):
        leads = self.lead_id
        result = super().unlink()
        # The rows left tell another story: the stays around the deleted rows
        # and the leads' summary follow.
        self._refresh_summary(leads.ids)
        return result
