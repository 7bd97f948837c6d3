from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

DECISION_SELECTION = [
    ("no_conflict", "No Conflict"),
    ("conflict", "Conflict"),
    ("ethical_wall", "Ethical Wall Needed"),
    ("waiver", "Waiver / Release Obtained"),
]


class CrmConflictDecision(models.Model):
    """An attorney's sign-off on a conflict check run.

    Each reviewer the firm names in Settings records a decision on the
    lead's latest run; the lead's conflict status follows each reviewer's
    latest decision (see ``crm.conflict.check._status_from_decisions``).
    Sign-offs are evidence: nobody edits one, an attorney who changes their
    mind records a new one, and the earlier stays.
    """

    _name = "crm.conflict.decision"
    _description = "Conflict Check Sign-off"
    _order = "date desc, id desc"
    _rec_name = "decision"

    run_id = fields.Many2one(
        "crm.conflict.check",
        string="Conflict Check",
        required=True,
        index=True,
        ondelete="cascade",
    )
    lead_id = fields.Many2one(
        related="run_id.lead_id", store=True, index=True, readonly=True
    )
    reviewer_id = fields.Many2one(
        "res.users",
        string="Attorney",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
        ondelete="restrict",
    )
    decision = fields.Selection(DECISION_SELECTION, required=True)
    note = fields.Text()
    date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)

    @api.constrains("reviewer_id", "run_id")
    def _check_reviewer(self):
        for decision in self:
            company = decision.run_id.company_id or self.env.company
            reviewers = company.conflict_reviewer_ids
            if reviewers and decision.reviewer_id not in reviewers:
                raise ValidationError(
                    self.env._(
                        "%(user)s is not one of the attorneys %(company)s names "
                        "for conflict review (CRM > Settings > Law Firm "
                        "Intake). Ask one of them to sign off: %(reviewers)s.",
                        user=decision.reviewer_id.name,
                        company=company.name,
                        reviewers=", ".join(reviewers.mapped("name")),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                # Who decided and when are the facts of the sign-off.
                vals["reviewer_id"] = self.env.uid
                vals["date"] = fields.Date.context_today(self)
        decisions = super().create(vals_list)
        stale = decisions.run_id.filtered(lambda run: not run.is_latest)
        if stale:
            raise UserError(
                self.env._(
                    "%(lead)s has a newer conflict check than the one of "
                    "%(date)s: sign off on the latest run.",
                    lead=stale[0].lead_id.display_name,
                    date=stale[0].date,
                )
            )
        decisions.run_id._follow_decisions()
        return decisions

    def write(self, vals):
        if not self.env.su:
            raise UserError(
                self.env._(
                    "A sign-off is a record of an attorney's decision and cannot "
                    "be edited. To change your decision on %(lead)s, sign off "
                    "again: your latest decision counts, the earlier one stays.",
                    lead=", ".join(self.lead_id.mapped("display_name")),
                )
            )
        result = super().write(vals)
        self.run_id._follow_decisions()
        return result
