from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    intake_urgent_after_hours = fields.Float(
        related="company_id.intake_urgent_after_hours", readonly=False
    )
    conflict_gate = fields.Boolean(related="company_id.conflict_gate", readonly=False)
    conflict_reviewer_ids = fields.Many2many(
        related="company_id.conflict_reviewer_ids", readonly=False
    )
    conflict_firm_wide = fields.Boolean(
        related="company_id.conflict_firm_wide", readonly=False
    )
    service_area_state_ids = fields.Many2many(
        related="company_id.service_area_state_ids", readonly=False
    )
