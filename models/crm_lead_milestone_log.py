from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import milestones
from .crm_lead import MILESTONE_DATE_FIELDS
from .crm_stage import MILESTONE_ROLE_SELECTION

MOVE_KIND_SELECTION = [(kind, label) for kind, label in milestones.MOVE_LABELS.items()]


class CrmLeadMilestoneLog(models.Model):
    """One row per milestone change of a lead, written by the lead itself.

    Rows are inserted only by ``crm.lead``, from its own write paths, and
    never edited; the roles are copied at the moment of the move so renaming,
    reordering or re-purposing a stage never rewrites history.
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
        thousands of leads writes as many: one INSERT keeps the stage change
        close to plain crm's cost, where the ORM's create would double it.
        """
        if not rows:
            return
        uid, now = self.env.uid, self.env.cr.now()
        values = SQL(", ").join(
            SQL(
                "(%s)",
                SQL(", ").join(
                    # The ORM's False for "no value" is SQL's NULL.
                    [
                        None if row[column] is False else row[column]
                        for column in self._INSERTED_COLUMNS
                    ]
                    + [uid, now, uid, now]
                ),
            )
            for row in rows
        )
        columns = SQL(", ").join(
            SQL.identifier(column)
            for column in (
                *self._INSERTED_COLUMNS,
                "create_uid",
                "create_date",
                "write_uid",
                "write_date",
            )
        )
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s) VALUES %s",
                SQL.identifier(self._table),
                columns,
                values,
            )
        )
        leads = self.env["crm.lead"].browse({row["lead_id"] for row in rows})
        leads.invalidate_recordset(["milestone_log_ids"])
        self._stamp_lead_dates(
            [row for row in rows if row["to_role"] in MILESTONE_DATE_FIELDS]
        )

    @api.model
    def _stamp_lead_dates(self, rows):
        """Copy the date of rows into a dated milestone onto their leads, in
        one UPDATE whatever the number of rows."""
        if not rows:
            return
        assignments = SQL(", ").join(
            SQL(
                "%s = CASE WHEN moved.role = %s THEN moved.date ELSE lead.%s END",
                SQL.identifier(field),
                role,
                SQL.identifier(field),
            )
            for role, field in MILESTONE_DATE_FIELDS.items()
        )
        values = SQL(", ").join(
            SQL("(%s, %s, %s::timestamp)", row["lead_id"], row["to_role"], row["date"])
            for row in rows
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lead lead
                   SET %s
                  FROM (VALUES %s) AS moved(lead_id, role, date)
                 WHERE lead.id = moved.lead_id
                """,
                assignments,
                values,
            )
        )
        self.env["crm.lead"].browse(
            {row["lead_id"] for row in rows}
        ).invalidate_recordset(list(MILESTONE_DATE_FIELDS.values()))
