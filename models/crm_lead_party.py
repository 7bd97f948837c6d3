from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..lib import names

PARTY_ROLE_SELECTION = [
    (role, names.PARTY_ROLE_LABELS[role]) for role in names.PARTY_ROLES
]


class CrmLeadParty(models.Model):
    """A person or company involved in the prospective matter of a lead.

    The conflict check searches the firm's records for each party, and other
    leads' conflict checks search these lines: an adverse party here is an
    adverse party of the firm from then on.
    """

    _name = "crm.lead.party"
    _description = "Party of a Prospective Matter"
    _order = "lead_id, sequence, id"

    # Fields a conflict check compares: changing one makes the check stale
    # (moving a party to another lead too: that lead never searched it).
    _CHECKED_FIELDS = frozenset({"name", "role", "partner_id", "lead_id"})

    lead_id = fields.Many2one("crm.lead", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True)
    role = fields.Selection(
        PARTY_ROLE_SELECTION, required=True, default=names.ADVERSE_PARTY
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Contact",
        index="btree_not_null",
        ondelete="set null",
        help="The party's contact, when the firm already has one.",
    )
    note = fields.Text()
    name_normalized = fields.Char(
        "Normalised Name",
        compute="_compute_name_normalized",
        store=True,
        index="trigram",
    )
    checked_date = fields.Datetime(
        "Last Checked",
        readonly=True,
        copy=False,
        help="When a conflict check last searched this party. Empty for a "
        "party added or changed since: the lead's check is then stale.",
    )
    # Stored for the multi-company rule and the candidate search, which filter
    # on it without joining the leads.
    company_id = fields.Many2one(
        related="lead_id.company_id", store=True, index=True, readonly=True
    )

    @api.depends("name")
    def _compute_name_normalized(self):
        for party in self:
            party.name_normalized = names.normalize(party.name) or False

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        if self.partner_id and not self.name:
            self.name = self.partner_id.name

    @api.model_create_multi
    def create(self, vals_list):
        self._check_checked_date(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_checked_date([vals])
        watched = self._CHECKED_FIELDS.intersection(vals) and "checked_date" not in vals
        if watched:
            before = {party: party._checked_identity() for party in self}
        result = super().write(vals)

        # A party checked under another name, role or contact has not been
        # checked: the lead's conflict check becomes stale.
        if watched:
            changed = self.filtered(
                lambda party: (
                    party.checked_date and party._checked_identity() != before[party]
                )
            )
            if changed:
                super(CrmLeadParty, changed).write({"checked_date": False})
        return result

    def _checked_identity(self):
        self.ensure_one()
        return (self.name, self.role, self.partner_id.id, self.lead_id.id)

    def _check_checked_date(self, vals_list):
        # Only the conflict check says a party was searched: a date given by
        # hand would let an unsearched party through the conflict gate.
        if self.env.su or not any(vals.get("checked_date") for vals in vals_list):
            return
        raise AccessError(
            self.env._(
                "%(parties)s: Last Checked is set by the conflict check itself. "
                "Leave it out and run the check.",
                parties=", ".join(
                    [vals["name"] for vals in vals_list if vals.get("name")]
                    or self.mapped("name")
                ),
            )
        )
