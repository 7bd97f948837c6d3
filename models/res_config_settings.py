from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    intake_urgent_after_hours = fields.Float(
        related="company_id.intake_urgent_after_hours", readonly=False
    )
