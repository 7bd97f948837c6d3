from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import milestones

MILESTONE_ROLE_SELECTION = [
    (role, milestones.ROLE_LABELS[role]) for role in milestones.ROLES
]


class CrmStage(models.Model):
    _inherit = "crm.stage"

    milestone_role = fields.Selection(
        MILESTONE_ROLE_SELECTION,
        index=True,
        help="Which intake milestone this stage plays. Reports, the transition "
        "log and the won/lost rules go by this role, never by the stage's name, "
        "so stages can be renamed, translated, reordered or added freely. "
        "Leave it empty for a stage outside the intake milestones.",
    )
    # A milestone's meaning is its requirements text (the column tooltip):
    # translated along with the stage's name for firms working in several
    # languages.
    requirements = fields.Text(translate=True)

    @api.constrains("milestone_role", "is_won")
    def _check_milestone_role_won(self):
        # Odoo's won/lost and the milestone must never disagree: the won stage
        # is the funded retainer and nothing else.
        for stage in self:
            funded = stage.milestone_role == milestones.RETAINER_FUNDED
            if funded and not stage.is_won:
                raise ValidationError(
                    self.env._(
                        "Stage %(stage)s plays Retainer Funded, so it must be "
                        "the won stage: tick 'Is Won Stage?'.",
                        stage=stage.display_name,
                    )
                )
            if stage.is_won and stage.milestone_role and not funded:
                raise ValidationError(
                    self.env._(
                        "Stage %(stage)s is a won stage, so its milestone role "
                        "can only be Retainer Funded (or empty).",
                        stage=stage.display_name,
                    )
                )

    def write(self, vals):
        if "milestone_role" in vals:
            self._check_role_change_with_leads(vals["milestone_role"] or False)
        return super().write(vals)

    def _check_role_change_with_leads(self, new_role):
        """Lost and Refused leads are archived with a reason and Waiting On
        leads have one: a stage holding leads cannot take or drop those
        roles, which would leave its leads breaking the rule."""
        guarded = {*milestones.CLOSED_ROLES, milestones.WAITING_ON}
        labels = dict(MILESTONE_ROLE_SELECTION)
        leads = self.env["crm.lead"].sudo().with_context(active_test=False)
        for stage in self:
            old_role = stage.milestone_role or False
            if old_role == new_role or not {old_role, new_role} & guarded:
                continue
            count = leads.search_count([("stage_id", "=", stage.id)])
            if count:
                raise UserError(
                    self.env._(
                        "Stage %(stage)s holds %(count)s lead(s), so it cannot go "
                        "from %(old)s to %(new)s: leads in Lost and Refused are "
                        "archived with a reason, and leads in Waiting On need one. "
                        "Move its leads to another stage first, or create a new "
                        "stage for that milestone.",
                        stage=stage.display_name,
                        count=count,
                        old=labels.get(old_role, self.env._("no milestone")),
                        new=labels.get(new_role, self.env._("no milestone")),
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_milestone_history(self):
        # The transition log refers to stages; deleting one would blank the
        # history of every lead that passed through it.
        log = self.env["crm.lead.milestone.log"].sudo()
        logged_stages = self.filtered(
            lambda stage: log.search_count(
                ["|", ("from_stage_id", "=", stage.id), ("to_stage_id", "=", stage.id)],
                limit=1,
            )
        )
        if logged_stages:
            raise UserError(
                self.env._(
                    "Stage %(stages)s has milestone history and cannot be "
                    "deleted. Fold it or give it no milestone role instead; "
                    "its history stays in the reports.",
                    stages=", ".join(logged_stages.mapped("display_name")),
                )
            )

    @api.model
    def _milestone_role_columns(self):
        """The stages each sales team can use, for the settings summary.

        [(label, stages)]: one column per team that has stages of its own
        (with the shared ones), then the shared stages, which every other
        team and leads without a team use.
        """
        # Every stage: a pipeline has a few dozen at most.
        stages = self.search([])  # pylint: disable=no-search-all
        shared = stages.filtered(lambda stage: not stage.team_ids)
        columns = [
            (
                team.display_name,
                shared | stages.filtered(lambda s, t=team: t in s.team_ids),
            )
            for team in stages.team_ids.sorted("name")
        ]
        label = (
            self.env._("Other teams (shared stages)")
            if columns
            else self.env._("All teams")
        )
        columns.append((label, shared))
        return columns
