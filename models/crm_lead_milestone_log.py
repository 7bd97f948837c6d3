from odoo import api, fields, models

from ..lib import milestones
from .crm_stage import MILESTONE_ROLE_SELECTION

MOVE_KIND_SELECTION = [(kind, label) for kind, label in milestones.MOVE_LABELS.items()]


class CrmLeadMilestoneLog(models.Model):
    """One row per milestone change of a lead, written by the lead itself.

    Rows are created only by ``crm.lead`` (as superuser, from its own write
    paths) and never edited; the roles are copied at the moment of the move so
    renaming, reordering or re-purposing a stage never rewrites history.
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
    def _prepare_rows(self, moves, now):
        """Log values for ``moves``: (lead, old stage, old stage date) triples."""
        rows = []
        for lead, old_stage, old_date in moves:
            from_role = (old_stage.milestone_role or False) if old_stage else None
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
