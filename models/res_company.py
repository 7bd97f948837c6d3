from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib import milestones

# Where the conflict gate may start: from Contact Made (the parties are known
# there) to the funded retainer.
CONFLICT_GATE_ROLE_SELECTION = [
    (role, milestones.ROLE_LABELS[role])
    for role in milestones.MAIN_PATH[
        milestones.MAIN_PATH.index(milestones.CONTACT_MADE) :
    ]
]


def _conflict_reviewer_domain(env):
    """Users of the Attorney group. A plain function: the settings' related
    field evaluates the domain on res.config.settings."""
    group = env.ref("crm_law_milestones.group_conflict_check", raise_if_not_found=False)
    return [("all_group_ids", "in", group.ids if group else [])]


class ResCompany(models.Model):
    _inherit = "res.company"

    intake_urgent_after_hours = fields.Float(
        "Urgent After (Hours)",
        default=1.0,
        help="A lead waiting in Contact Info Received for longer than this is "
        "marked urgent on the pipeline and its salesperson gets an activity: "
        "unanswered prospective clients call the next firm. Counted in the "
        "working hours of the company's working calendar.",
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

    intake_auto_contact_info = fields.Boolean(
        "Move Leads With Contact Details",
        default=True,
        help="A lead in Awaiting Info given an email, a phone or a contact "
        "moves to Contact Info Received, logged like any other move.",
    )
    waiting_review_days = fields.Integer(
        "Waiting On Review (Days)",
        default=14,
        help="A lead put in Waiting On is reviewed this many days later unless "
        "a review date is given: its salesperson gets an activity that day.",
    )

    @api.constrains("waiting_review_days")
    def _check_waiting_review_days(self):
        for company in self:
            if not 1 <= company.waiting_review_days <= 365:
                raise ValidationError(
                    self.env._(
                        "%(company)s: the Waiting On review interval must be "
                        "between 1 and 365 days; it is %(days)s.",
                        company=company.name,
                        days=company.waiting_review_days,
                    )
                )

    # Conflict check
    conflict_gate = fields.Boolean(
        help="Leads enter the gate's milestone and later ones only with a "
        "clear or waived conflict check.",
    )
    conflict_gate_from_role = fields.Selection(
        CONFLICT_GATE_ROLE_SELECTION,
        string="Conflict Gate From",
        required=True,
        default=milestones.APPOINTMENT_MADE,
        help="The first milestone a lead enters only with a clear or waived "
        "conflict check; later milestones of the main path are gated too.",
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

    def _conflict_gated_roles(self):
        """The main-path roles the company's conflict gate guards (none when
        the gate is off)."""
        self.ensure_one()
        if not self.conflict_gate:
            return frozenset()
        start = milestones.MAIN_PATH.index(
            self.conflict_gate_from_role or milestones.APPOINTMENT_MADE
        )
        return frozenset(milestones.MAIN_PATH[start:])

    def _intake_urgent_cutoff(self, now):
        """Leads that entered Contact Info Received before this moment are
        urgent: the threshold counts the working hours (and public holidays)
        of the company's calendar, wall-clock hours without a calendar."""
        self.ensure_one()
        hours = self.intake_urgent_after_hours
        calendar = self.resource_calendar_id
        if calendar:
            cutoff = calendar.plan_hours(-hours, now, compute_leaves=True)
            if cutoff:
                return cutoff
        return now - timedelta(hours=hours)

    def _intake_urgent_at(self, since):
        """When a lead that entered Contact Info Received at ``since`` becomes
        urgent (the inverse of ``_intake_urgent_cutoff``)."""
        self.ensure_one()
        hours = self.intake_urgent_after_hours
        calendar = self.resource_calendar_id
        if calendar:
            moment = calendar.plan_hours(hours, since, compute_leaves=True)
            if moment:
                return moment
        return since + timedelta(hours=hours)

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
                        "add them to the Attorney group first.",
                        users=", ".join(outsiders.mapped("name")),
                        company=company.name,
                    )
                )
