from odoo import api, fields, models
from odoo.exceptions import UserError

from .crm_conflict_check import CONFLICT_STATUS_SELECTION


class CrmConflictOverride(models.Model):
    """A conflict status set by hand, with the reason: the log of overrides.

    Creating one applies it to the lead (status, and who waived and why for a
    waiver) and notes it in the lead's chatter; nobody edits it afterwards.
    """

    _name = "crm.conflict.override"
    _description = "Conflict Status Override"
    _order = "date desc, id desc"
    _rec_name = "to_status"

    lead_id = fields.Many2one("crm.lead", required=True, index=True, ondelete="cascade")
    user_id = fields.Many2one(
        "res.users",
        string="By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    from_status = fields.Selection(
        CONFLICT_STATUS_SELECTION, string="Status Before", readonly=True
    )
    to_status = fields.Selection(
        [item for item in CONFLICT_STATUS_SELECTION if item[0] != "not_run"],
        string="New Status",
        required=True,
    )
    reason = fields.Text(required=True)

    @api.model_create_multi
    def create(self, vals_list):
        default_lead_id = self.env.context.get("default_lead_id")
        for vals in vals_list:
            lead = self.env["crm.lead"].browse(vals.get("lead_id") or default_lead_id)
            if not (vals.get("reason") or "").strip():
                raise UserError(
                    self.env._(
                        "%(lead)s: say why you set the conflict status by hand; "
                        "the reason is the record of the override.",
                        lead=lead.display_name,
                    )
                )
            vals["lead_id"] = lead.id
            vals["from_status"] = lead.conflict_status
            # The author and moment are the facts of the log, not inputs.
            vals["user_id"] = self.env.uid
            vals["date"] = fields.Datetime.now()
        overrides = super().create(vals_list)
        for override in overrides:
            override.lead_id._conflict_apply_override(override)
        return overrides
