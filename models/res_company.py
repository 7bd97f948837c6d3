from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    intake_urgent_after_hours = fields.Float(
        "Urgent After (Hours)",
        default=1.0,
        help="A lead waiting in Contact Info Received for longer than this is "
        "marked urgent on the pipeline: unanswered prospective clients call "
        "the next firm.",
    )
