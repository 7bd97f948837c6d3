from markupsafe import Markup, escape

from odoo import api, fields, models

from ..lib import milestones


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    intake_urgent_after_hours = fields.Float(
        related="company_id.intake_urgent_after_hours", readonly=False
    )
    intake_auto_contact_info = fields.Boolean(
        related="company_id.intake_auto_contact_info", readonly=False
    )
    waiting_review_days = fields.Integer(
        related="company_id.waiting_review_days", readonly=False
    )
    conflict_gate = fields.Boolean(related="company_id.conflict_gate", readonly=False)
    conflict_gate_from_role = fields.Selection(
        related="company_id.conflict_gate_from_role", readonly=False
    )
    conflict_reviewer_ids = fields.Many2many(
        related="company_id.conflict_reviewer_ids", readonly=False
    )
    conflict_firm_wide = fields.Boolean(
        related="company_id.conflict_firm_wide", readonly=False
    )
    service_area_state_ids = fields.Many2many(
        related="company_id.service_area_state_ids", readonly=False
    )
    milestone_stage_summary = fields.Html(
        compute="_compute_milestone_stage_summary", sanitize=False
    )
    milestone_stage_warnings = fields.Html(
        compute="_compute_milestone_stage_summary", sanitize=False
    )

    @api.depends("company_id")
    def _compute_milestone_stage_summary(self):
        columns = self.env["crm.stage"]._milestone_role_columns()
        table = self._milestone_summary_table(columns)
        warnings = self._milestone_summary_warnings(columns)
        for settings in self:
            settings.milestone_stage_summary = table
            settings.milestone_stage_warnings = warnings

    def _milestone_summary_table(self, columns):
        head = Markup("").join(
            Markup("<th>%s</th>") % label for label, _stages in columns
        )
        rows = []
        for role in milestones.ROLES:
            cells = []
            for _label, stages in columns:
                names = stages.filtered(lambda s, r=role: s.milestone_role == r)
                if names:
                    cells.append(
                        Markup("<td>%s</td>") % ", ".join(names.mapped("name"))
                    )
                else:
                    cells.append(Markup('<td class="text-danger">-</td>'))
            rows.append(
                Markup("<tr><th>%s</th>%s</tr>")
                % (self._milestone_role_label(role), Markup("").join(cells))
            )
        return Markup(
            '<table class="table table-sm o_milestone_stage_summary">'
            "<thead><tr><th>%s</th>%s</tr></thead><tbody>%s</tbody></table>"
        ) % (self.env._("Milestone"), head, Markup("").join(rows))

    def _milestone_summary_warnings(self, columns):
        lines = []
        for label, stages in columns:
            pairs = [(stage.name, stage.milestone_role) for stage in stages]
            for kind, role, names in milestones.stage_role_problems(pairs):
                role_label = self._milestone_role_label(role)
                if kind == "missing":
                    line = self.env._(
                        "%(team)s: no stage plays %(role)s.",
                        team=label,
                        role=role_label,
                    )
                else:
                    line = self.env._(
                        "%(team)s: %(stages)s all play %(role)s; only one may "
                        "(it is the won stage).",
                        team=label,
                        stages=", ".join(names),
                        role=role_label,
                    )
                lines.append(Markup("<li>%s</li>") % escape(line))
        if not lines:
            return False
        return Markup("<ul class='mb-0'>%s</ul>") % Markup("").join(lines)

    def _milestone_role_label(self, role):
        selection = self.env["crm.stage"]._fields["milestone_role"]
        return dict(selection._description_selection(self.env))[role]
