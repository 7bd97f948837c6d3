from odoo import fields, models


class CrmRefusalReason(models.Model):
    _name = "crm.refusal.reason"
    _description = "Refusal Reason"
    _order = "sequence, id"

    name = fields.Char("Reason", required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    reason_kind = fields.Selection(
        [
            ("conflict", "Conflict of interest"),
            ("service_area", "Outside the service area"),
            ("case_type", "Case type the firm does not take"),
            ("referred_out", "Referred out"),
            ("other", "Other"),
        ],
        string="Kind",
        required=True,
        default="other",
        help="Reports group refusals by kind, whatever the reason is called.",
    )
    requires_referral = fields.Boolean(
        "Ask Who It Was Referred To",
        help="Refusing with this reason asks for the firm or attorney the "
        "prospective client was referred to.",
    )
