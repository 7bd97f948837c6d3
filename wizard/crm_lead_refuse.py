from odoo import api, fields, models


class CrmLeadRefuse(models.TransientModel):
    _name = "crm.lead.refuse"
    _description = "Refuse a Prospective Client"

    lead_ids = fields.Many2many("crm.lead", string="Leads")
    refusal_reason_id = fields.Many2one(
        "crm.refusal.reason", string="Reason", required=True
    )
    requires_referral = fields.Boolean(related="refusal_reason_id.requires_referral")
    referred_to_id = fields.Many2one("res.partner")
    refusal_note = fields.Text("Note")

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        if "lead_ids" in fields_list and not defaults.get("lead_ids"):
            active_ids = self.env.context.get("active_ids")
            if self.env.context.get("active_model") == "crm.lead" and active_ids:
                defaults["lead_ids"] = [fields.Command.set(active_ids)]
        return defaults

    def action_refuse_apply(self):
        self.ensure_one()
        self.lead_ids.action_set_refused(
            self.refusal_reason_id.id,
            referred_to_id=self.referred_to_id.id,
            refusal_note=self.refusal_note,
        )
        return {"type": "ir.actions.act_window_close"}
