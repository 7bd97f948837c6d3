from odoo import api, fields, models
from odoo.exceptions import ValidationError


def _conflict_reviewer_domain(env):
    """Users of the Conflict Check group. A plain function: the settings'
    related field evaluates the domain on res.config.settings."""
    group = env.ref("crm_law_milestones.group_conflict_check", raise_if_not_found=False)
    return [("all_group_ids", "in", group.ids if group else [])]


class ResCompany(models.Model):
    _inherit = "res.company"

    intake_urgent_after_hours = fields.Float(
        "Urgent After (Hours)",
        default=1.0,
        help="A lead waiting in Contact Info Received for longer than this is "
        "marked urgent on the pipeline: unanswered prospective clients call "
        "the next firm.",
    )

    @api.constrains("intake_urgent_after_hours")
    def _check_intake_urgent_after_hours(self):
        # A month is already far past "urgent"; larger values overflow dates.
        for company in self:
            if not 0 < company.intake_urgent_after_hours <= 720:
                raise ValidationError(
                    self.env._(
                        "%(company)s: the urgent-intake threshold must be more "
                        "than 0 and at most 720 hours (30 days); it is %(hours)s.",
                        company=company.name,
                        hours=company.intake_urgent_after_hours,
                    )
                )

    # Conflict check
    conflict_gate = fields.Boolean(
        help="Leads enter Appointment Made and later milestones only with a "
        "clear or waived conflict check.",
    )
    conflict_reviewer_ids = fields.Many2many(
        "res.users",
        "res_company_conflict_reviewer_rel",
        "company_id",
        "user_id",
        string="Conflict Reviewers",
        domain=lambda self: _conflict_reviewer_domain(self.env),
        help="The attorneys who sign off on conflict checks. The conflict "
        "status follows their decisions once all of them have decided; with "
        "none named, one decision by any conflict attorney is enough.",
    )
    conflict_firm_wide = fields.Boolean(
        "Firm-wide Conflict Search",
        help="Search the records of every company of the firm. Matches in "
        "companies the attorney cannot read show only the name, the company "
        "and the score, never the record.",
    )
    service_area_state_ids = fields.Many2many(
        "res.country.state",
        "res_company_service_area_state_rel",
        "company_id",
        "state_id",
        string="Service Area",
        help="The states the firm takes matters in. Leads elsewhere are "
        "marked outside the service area.",
    )

    @api.constrains("conflict_reviewer_ids")
    def _check_conflict_reviewers(self):
        group = self.env.ref("crm_law_milestones.group_conflict_check")
        for company in self:
            outsiders = company.conflict_reviewer_ids.filtered(
                lambda user: group not in user.all_group_ids
            )
            if outsiders:
                raise ValidationError(
                    self.env._(
                        "%(users)s cannot review conflicts for %(company)s: "
                        "add them to the Conflict Check group first.",
                        users=", ".join(outsiders.mapped("name")),
                        company=company.name,
                    )
                )
