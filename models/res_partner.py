from odoo import api, fields, models

from ..lib import names


class ResPartner(models.Model):
    _inherit = "res.partner"

    # The conflict check looks contacts up by this form of the name; the
    # trigram index finds the similar ones among a hundred thousand fast.
    name_normalized = fields.Char(
        "Normalised Name",
        compute="_compute_name_normalized",
        store=True,
        index="trigram",
        help="The name as the conflict check compares it: no case, accents, "
        "punctuation, honorifics or company suffixes.",
    )

    @api.depends("name")
    def _compute_name_normalized(self):
        for partner in self:
            partner.name_normalized = names.normalize(partner.name) or False
