from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib import names
from .crm_lead_party import PARTY_ROLE_SELECTION

FOUND_ROLE_SELECTION = [
    (role, label) for role, label in names.FOUND_ROLE_LABELS.items()
]
HIT_KIND_SELECTION = [
    ("conflict", "Conflict"),
    ("potential", "Potential Conflict"),
]
SOURCE_SELECTION = [
    ("contact", "Contact"),
    ("lead", "Lead"),
    ("party", "Party of a Lead"),
]


class CrmConflictHit(models.Model):
    """One record of the firm whose name matched a searched party.

    Written once by the run that found it and never edited: it is the
    evidence of what the search saw. A hit found by a firm-wide search in a
    company the user running it cannot read keeps only the name, the company
    and the score (``redacted``).
    """

    _name = "crm.conflict.hit"
    _description = "Conflict Check Hit"
    _order = "run_id desc, kind, score desc, id"
    _rec_name = "matched_name"

    run_id = fields.Many2one(
        "crm.conflict.check",
        string="Conflict Check",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    lead_id = fields.Many2one(
        related="run_id.lead_id", store=True, index=True, readonly=True
    )

    # What was searched
    party_id = fields.Many2one("crm.lead.party", readonly=True, ondelete="set null")
    searched_name = fields.Char(readonly=True)
    searched_role = fields.Selection(PARTY_ROLE_SELECTION, readonly=True)

    # What was found
    matched_name = fields.Char("Name Matched", readonly=True)
    score = fields.Float(readonly=True, digits=(5, 1), aggregator="max")
    kind = fields.Selection(HIT_KIND_SELECTION, required=True, readonly=True)
    source = fields.Selection(SOURCE_SELECTION, string="Found In", readonly=True)
    found_role = fields.Selection(
        FOUND_ROLE_SELECTION, string="Role There", readonly=True
    )
    # The record found, as model and id: a plain reference costs no query
    # per hit when hundreds are written at once.
    res_model = fields.Char("Record Model", readonly=True)
    res_id = fields.Many2oneReference(
        "Record ID", model_field="res_model", readonly=True
    )
    found_lead_id = fields.Many2one(
        "crm.lead", string="Matter", readonly=True, ondelete="set null"
    )
    found_company_id = fields.Many2one(
        "res.company", string="Company", readonly=True, index=True
    )
    redacted = fields.Boolean(
        readonly=True,
        help="Found by a firm-wide search in a company the user who ran it "
        "cannot read: only the name, company and score are kept.",
    )

    @api.depends("matched_name", "searched_name")
    def _compute_display_name(self):
        for hit in self:
            hit.display_name = self.env._(
                "%(searched)s ~ %(matched)s",
                searched=hit.searched_name or "-",
                matched=hit.matched_name or "-",
            )

    def action_open_record(self):
        """Open the record found; its own access rules decide."""
        self.ensure_one()
        if not self.res_model or not self.res_id:
            raise UserError(
                self.env._(
                    "This hit was found in a company you cannot read: only its "
                    "name, company and score are kept."
                )
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "target": "current",
        }
