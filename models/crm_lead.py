from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..lib import milestones


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # Fields whose write can move a lead to another stage (directly, or
    # through crm's stage computation on team and type) or change its
    # won/lost status, which the milestone must follow.
    _MILESTONE_TRIGGERS = frozenset(
        {"stage_id", "team_id", "type", "active", "probability"}
    )

    # Milestones
    milestone_role = fields.Selection(
        related="stage_id.milestone_role",
        string="Milestone",
        store=True,
        index=True,
    )
    milestone_log_ids = fields.One2many(
        "crm.lead.milestone.log", "lead_id", string="Milestone History"
    )
    milestone_days = fields.Integer(
        "Days in Milestone",
        compute="_compute_milestone_days",
        help="Whole days since the lead entered its current stage.",
    )
    is_intake_urgent = fields.Boolean(
        "Urgent Intake",
        compute="_compute_is_intake_urgent",
        search="_search_is_intake_urgent",
        help="The prospective client reached out and has waited in Contact "
        "Info Received longer than the company's threshold.",
    )

    # Refusal: the firm declines the matter or refers it out
    refusal_reason_id = fields.Many2one(
        "crm.refusal.reason",
        index="btree_not_null",
        ondelete="restrict",
        tracking=True,
    )
    referred_to_id = fields.Many2one(
        "res.partner",
        tracking=True,
        help="The firm or attorney the prospective client was referred to.",
    )
    refusal_note = fields.Text()

    @api.depends("date_last_stage_update")
    def _compute_milestone_days(self):
        now = fields.Datetime.now()
        for lead in self:
            since = lead.date_last_stage_update
            lead.milestone_days = (now - since).days if since else 0

    @api.depends("milestone_role", "date_last_stage_update", "active")
    @api.depends_context("company")
    def _compute_is_intake_urgent(self):
        now = fields.Datetime.now()
        for lead in self:
            company = lead.company_id or self.env.company
            limit = timedelta(hours=company.intake_urgent_after_hours)
            lead.is_intake_urgent = bool(
                lead.active
                and lead.milestone_role == milestones.CONTACT_INFO_RECEIVED
                and lead.date_last_stage_update
                and now - lead.date_last_stage_update > limit
            )

    def _search_is_intake_urgent(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        now = fields.Datetime.now()
        waiting_too_long = Domain.FALSE
        for company in self.env.companies:
            cutoff = now - timedelta(hours=company.intake_urgent_after_hours)
            company_ids = [company.id]
            if company == self.env.company:
                company_ids.append(False)
            waiting_too_long |= Domain("company_id", "in", company_ids) & Domain(
                "date_last_stage_update", "<", cutoff
            )
        urgent = (
            Domain("milestone_role", "=", milestones.CONTACT_INFO_RECEIVED)
            & Domain("active", "=", True)
            & waiting_too_long
        )
        wants_urgent = (operator == "in") == (True in value)
        return urgent if wants_urgent else ~urgent

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._milestone_closing_vals(vals) for vals in vals_list]
        leads = super().create(vals_list)

        # Creating a lead is its entry into its first stage.
        staged = leads.filtered("stage_id")
        staged._milestone_log(
            {lead.id: (lead.stage_id.browse(), None) for lead in staged}
        )
        leads._milestone_reconcile({lead.id: lead.stage_id for lead in leads})
        return leads

    def write(self, vals):
        if not self._MILESTONE_TRIGGERS.intersection(vals):
            return super().write(vals)

        vals = self._milestone_closing_vals(vals)

        # The stage each lead is in now. A stage that an earlier write left
        # to be recomputed is read as stored: forcing its computation here
        # would cost queries that the coming flush does anyway.
        stage_fields = [
            self._fields["stage_id"],
            self._fields["date_last_stage_update"],
        ]
        with self.env.protecting(stage_fields, self):
            before = {
                lead.id: (lead.stage_id, lead.date_last_stage_update) for lead in self
            }

        # Which leads can change stage in this write: any, when the stage is
        # written; on a team or type change, only those crm's stage
        # computation will move (no stage yet, or a stage of some teams).
        if "stage_id" in vals:
            may_move = self
        elif "team_id" in vals or "type" in vals:
            may_move = self.filtered(
                lambda lead: not before[lead.id][0] or before[lead.id][0].team_ids
            )
        else:
            may_move = self.browse()
        result = super().write(vals)

        moved = may_move._milestone_log(before)

        # Won/lost can only disagree with the milestone after a stage move or
        # a change of active/probability on a lead whose stage plays a role.
        to_reconcile = moved
        if not {"active", "probability"}.isdisjoint(vals):
            to_reconcile |= self.filtered(
                lambda lead: before[lead.id][0].milestone_role
            )
        if to_reconcile:
            to_reconcile._milestone_reconcile(
                {lead.id: before[lead.id][0] for lead in to_reconcile}
            )
        return result

    def _merge_dependences(self, opportunities):
        result = super()._merge_dependences(opportunities)
        self._merge_dependences_milestone_log(opportunities)
        return result

    def _merge_dependences_milestone_log(self, opportunities):
        """Keep the merged leads' history on the surviving lead.

        One UPDATE: the rows are system records, moved without reading them.
        """
        self.ensure_one()
        log_model = self.env["crm.lead.milestone.log"]
        log_model.flush_model(["lead_id", "merged_from"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lead_milestone_log log
                   SET lead_id = %(head)s,
                       merged_from = COALESCE(log.merged_from, merged.name)
                  FROM crm_lead merged
                 WHERE merged.id = log.lead_id
                   AND log.lead_id = ANY(%(merged_ids)s)
                """,
                head=self.id,
                merged_ids=opportunities.ids,
            )
        )
        log_model.invalidate_model(["lead_id", "merged_from"])
        (self | opportunities).invalidate_recordset(["milestone_log_ids"])

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_set_won(self):
        """Won lands a milestone lead in the Retainer Funded role.

        Leads whose stage plays no milestone keep crm's own behaviour.
        """
        milestone_leads = self.filtered(lambda lead: lead.stage_id.milestone_role)
        funded_by_stage = {}
        for team, leads in milestone_leads.grouped("team_id").items():
            stage = self._milestone_stage_for(team, milestones.RETAINER_FUNDED)
            if stage:
                funded_by_stage[stage] = (
                    funded_by_stage.get(stage, self.browse()) | leads
                )
        handled = self.browse().union(*funded_by_stage.values())

        if self - handled:
            super(CrmLead, self - handled).action_set_won()
        for stage, leads in funded_by_stage.items():
            leads.write({"stage_id": stage.id, "probability": 100})
        return True

    def action_set_refused(
        self, refusal_reason_id, referred_to_id=False, refusal_note=False
    ):
        """The firm declines the matter or refers it out: to Refused."""
        reason = self.env["crm.refusal.reason"].browse(refusal_reason_id).exists()
        if not reason:
            raise UserError(self.env._("Choose why the firm refuses the matter."))
        if reason.requires_referral and not referred_to_id:
            raise UserError(
                self.env._(
                    "%(leads)s: the reason %(reason)s needs the firm or attorney "
                    "the prospective client was referred to. Fill in 'Referred "
                    "To' and refuse again.",
                    leads=", ".join(self.mapped("display_name")),
                    reason=reason.name,
                )
            )

        for team, leads in self.grouped("team_id").items():
            stage = self._milestone_stage_for(team, milestones.REFUSED)
            if not stage:
                raise UserError(
                    self.env._(
                        "No stage plays the Refused milestone for %(leads)s. Give "
                        "a stage that role in CRM > Configuration > Stages, then "
                        "refuse again.",
                        leads=", ".join(leads.mapped("display_name")),
                    )
                )
            leads.write(
                {
                    "stage_id": stage.id,
                    "refusal_reason_id": reason.id,
                    "referred_to_id": referred_to_id,
                    "refusal_note": refusal_note,
                }
            )
        return True

    def action_open_refuse_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Refuse"),
            "res_model": "crm.lead.refuse",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_ids": self.ids},
        }

    # ------------------------------------------------------------
    # PREDICTIVE LEAD SCORING
    # ------------------------------------------------------------

    def _pls_get_lead_pls_values(self, domain=None):
        """Score a closed lead by the stage it was closed from.

        crm's scoring counts a lost lead against every stage up to its own; a
        lead sitting in the Lost or Refused milestone would otherwise count
        against every stage of the pipeline, funded included.
        """
        values_by_lead = super()._pls_get_lead_pls_values(domain=domain)
        closed_stages = (
            self.env["crm.stage"]
            .sudo()
            .search([("milestone_role", "in", milestones.CLOSED_ROLES)])
        )
        closed_lead_ids = [
            lead_id
            for lead_id, lead_values in values_by_lead.items()
            if dict(lead_values["values"]).get("stage_id") in closed_stages.ids
        ]
        if not closed_lead_ids:
            return values_by_lead

        stage_before_closing = self._milestone_stage_before_closing(closed_lead_ids)
        for lead_id in closed_lead_ids:
            lead_values = values_by_lead[lead_id]["values"]
            lead_values[:] = [
                (field, value) for field, value in lead_values if field != "stage_id"
            ]
            if stage_id := stage_before_closing.get(lead_id):
                lead_values.append(("stage_id", stage_id))
        return values_by_lead

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _milestone_stage_for(self, team, role):
        """The first stage playing ``role`` for ``team`` (or a shared one)."""
        return self._stage_find(team_id=team.id, domain=[("milestone_role", "=", role)])

    def _milestone_closing_vals(self, vals):
        """A lead put in Lost or Refused is closed the Odoo way: archived with
        probability 0, so crm's won/lost status agrees with the milestone."""
        stage_id = vals.get("stage_id")
        if not stage_id:
            return vals
        role = self.env["crm.stage"].browse(stage_id).milestone_role
        if role not in milestones.CLOSED_ROLES:
            return vals
        return {**vals, "active": False, "probability": 0, "automated_probability": 0}

    def _milestone_log(self, before):
        """Write one log row per lead of ``self`` whose stage changed.

        ``before`` maps lead ids to their (stage, stage date) before the
        change; a lead whose stage is unchanged writes nothing. Returns the
        leads that moved.
        """
        moves = [
            (lead, before[lead.id][0], before[lead.id][1])
            for lead in self
            if lead.stage_id != before[lead.id][0]
        ]
        if moves:
            log_model = self.env["crm.lead.milestone.log"].sudo()
            log_model.create(log_model._prepare_rows(moves, self.env.cr.now()))
        return self.browse([lead.id for lead, _stage, _date in moves])

    def _milestone_reconcile(self, stage_before):
        """Keep the milestone and Odoo's won/lost status in agreement.

        Runs after every write that may change either: a lead Odoo calls lost
        goes to the Lost milestone, a closed lead made active again returns to
        its last open milestone, and a lead taken out of Lost or Refused is
        reopened. Leads whose stage plays no milestone are left alone.
        """
        closed = milestones.CLOSED_ROLES
        left_closed = self.filtered(
            lambda lead: (
                stage_before[lead.id].milestone_role in closed
                and lead.stage_id.milestone_role not in closed
            )
        )
        if left_closed:
            left_closed.filtered(lambda lead: not lead.active).action_unarchive()
            left_closed.write(
                {
                    "lost_reason_id": False,
                    "refusal_reason_id": False,
                    "referred_to_id": False,
                }
            )

        rest = self - left_closed
        newly_lost = rest.filtered(
            lambda lead: (
                lead.won_status == "lost"
                and lead.stage_id.milestone_role
                and lead.stage_id.milestone_role not in closed
            )
        )
        for team, leads in newly_lost.grouped("team_id").items():
            stage = self._milestone_stage_for(team, milestones.LOST)
            if stage:
                leads.write({"stage_id": stage.id})

        revived = rest.filtered(
            lambda lead: lead.active and lead.stage_id.milestone_role in closed
        )
        if revived:
            revived._milestone_return_to_open()

    def _milestone_stage_before_closing(self, lead_ids):
        """{lead id: id of the stage the lead left for Lost or Refused}."""
        last_closing = (
            self.env["crm.lead.milestone.log"]
            .sudo()
            ._read_group(
                [
                    ("lead_id", "in", lead_ids),
                    ("to_role", "in", milestones.CLOSED_ROLES),
                    ("from_stage_id", "!=", False),
                ],
                ["lead_id"],
                ["id:max"],
            )
        )
        logs = (
            self.env["crm.lead.milestone.log"]
            .sudo()
            .browse([log_id for _lead, log_id in last_closing])
        )
        return {log.lead_id.id: log.from_stage_id.id for log in logs}

    def _milestone_return_to_open(self):
        """Move leads back to the last open milestone they were in."""
        open_roles = milestones.OPEN_ROLES
        last_open_rows = (
            self.env["crm.lead.milestone.log"]
            .sudo()
            ._read_group(
                [
                    ("lead_id", "in", self.ids),
                    ("to_role", "in", open_roles),
                    ("to_stage_id.milestone_role", "in", open_roles),
                ],
                ["lead_id"],
                ["id:max"],
            )
        )
        last_log_ids = [log_id for _lead, log_id in last_open_rows]
        last_stage = {
            log.lead_id: log.to_stage_id
            for log in self.env["crm.lead.milestone.log"].sudo().browse(last_log_ids)
        }

        leads_by_stage = defaultdict(lambda: self.browse())
        for lead in self:
            stage = last_stage.get(lead) or lead._stage_find(
                domain=[("milestone_role", "in", milestones.MAIN_PATH[:-1])]
            )
            if stage:
                leads_by_stage[stage] |= lead
        for stage, leads in leads_by_stage.items():
            leads.write({"stage_id": stage.id})
