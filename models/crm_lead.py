import logging
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL

from ..lib import milestones, names
from .crm_conflict_check import CONFLICT_GROUP, CONFLICT_STATUS_SELECTION

_logger = logging.getLogger(__name__)

# The conflict gate: a lead enters the company's gate milestone (Appointment
# Made by default, res.company.conflict_gate_from_role) or any later milestone
# of the main path only with a conflict check that passed. Waiting On is not
# gated: a lead waits on its way, and the gate stops it where it goes next.
CONFLICT_PASSING = frozenset({"clear", "waived"})
# Which status a merge keeps: a hit outweighs any clearance.
CONFLICT_SEVERITY = {
    "clear": 0,
    "waived": 0,
    "not_run": 0,
    "potential": 1,
    "conflict": 2,
}
INTAKE_MANAGER_GROUP = "crm_law_milestones.group_intake_manager"

# The lead's date fields stamped from the log: the latest entry into the role.
MILESTONE_DATE_FIELDS = {
    milestones.INITIAL_CONSULT: "initial_consult_date",
    milestones.RETAINER_SIGNED: "retainer_signed_date",
    milestones.RETAINER_FUNDED: "retainer_funded_date",
}
# The lead's fields summing up its log, kept by crm.lead.milestone.log in the
# statement that writes the rows (see _summary_statement there).
LEAD_SUMMARY_FIELDS = (
    "milestone_furthest",
    "milestone_last_open",
    "milestone_move_count",
    "speed_to_lead_hours",
)


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

    # Waiting On: why, and when to look at the lead again (methods in the
    # AUTOMATION section below)
    waiting_reason = fields.Selection(
        list(milestones.WAITING_REASONS.items()),
        tracking=True,
        help="Why the lead waits. Required in the Waiting On milestone.",
    )
    waiting_note = fields.Char(help="What exactly the lead waits for.")
    waiting_review_date = fields.Date(
        "Review On",
        tracking=True,
        help="The salesperson gets an activity to review the lead that day. "
        "Defaults to the company's Waiting On review interval.",
    )

    # The consult and the retainer, for list views and exports: the latest
    # entry into each milestone, stamped from the transition log.
    consult_event_id = fields.Many2one(
        "calendar.event",
        string="Consult",
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        domain="[('opportunity_id', '=', id)]",
        help="The calendar event of the initial consultation.",
    )
    initial_consult_date = fields.Datetime(readonly=True, copy=False)
    retainer_signed_date = fields.Datetime(readonly=True, copy=False)
    retainer_funded_date = fields.Datetime(readonly=True, copy=False)

    # What the transition log says about the lead, kept by
    # crm.lead.milestone.log in the statement that writes its rows (and on
    # merges and log deletions), so the reports need not aggregate the log.
    milestone_furthest = fields.Selection(
        [(role, milestones.ROLE_LABELS[role]) for role in milestones.MAIN_PATH],
        "Furthest Milestone",
        readonly=True,
        copy=False,
        help="The furthest milestone of the main path the lead ever entered.",
    )
    milestone_last_open = fields.Selection(
        [(role, milestones.ROLE_LABELS[role]) for role in milestones.MAIN_PATH[:-1]],
        "Last Open Milestone",
        readonly=True,
        copy=False,
        help="The open milestone of the main path (Awaiting Info to Retainer "
        "Signed) the lead was in most recently.",
    )
    milestone_move_count = fields.Integer(
        "Milestone Moves",
        readonly=True,
        copy=False,
        help="Rows of the lead's transition log, its creation included.",
    )
    speed_to_lead_hours = fields.Float(
        "Speed to Lead (hours)",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="Hours from the lead's first entry into Contact Info Received to "
        "its first move on to a later open milestone.",
    )

    # Intake and conflict check (methods in the INTAKE AND CONFLICT CHECK
    # section below)
    party_ids = fields.One2many(
        "crm.lead.party", "lead_id", string="Parties", copy=True
    )
    practice_area_id = fields.Many2one(
        "crm.practice.area", index="btree_not_null", ondelete="restrict"
    )
    issue_summary = fields.Text(
        "Issue", help="The prospective client's problem, in a sentence or two."
    )
    county = fields.Char()
    service_area_status = fields.Selection(
        [("inside", "Inside Service Area"), ("outside", "Outside Service Area")],
        string="Service Area",
        compute="_compute_service_area_status",
        search="_search_service_area_status",
        help="Whether the lead's state is one the company serves (CRM > "
        "Settings > Law Firm Intake). Empty without a state or a service area.",
    )
    contact_name_normalized = fields.Char(
        compute="_compute_names_normalized", store=True, index="trigram"
    )
    partner_name_normalized = fields.Char(
        compute="_compute_names_normalized", store=True, index="trigram"
    )
    conflict_status = fields.Selection(
        CONFLICT_STATUS_SELECTION,
        required=True,
        default="not_run",
        copy=False,
        index=True,
        tracking=True,
        help="Set by the conflict check, the attorneys' sign-offs and their "
        "overrides. Clear and Waived let the lead into Appointment Made when "
        "the company's conflict gate is on.",
    )
    conflict_check_id = fields.Many2one(
        "crm.conflict.check",
        string="Last Conflict Check",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    conflict_check_ids = fields.One2many(
        "crm.conflict.check", "lead_id", string="Conflict Checks"
    )
    conflict_checked_date = fields.Datetime(
        related="conflict_check_id.date", string="Conflict Checked On"
    )
    conflict_stale = fields.Boolean(
        "Conflict Check Stale",
        compute="_compute_conflict_stale",
        search="_search_conflict_stale",
        help="A party was added or changed after the last conflict check.",
    )
    conflict_ethical_wall = fields.Boolean(
        "Ethical Wall Needed", compute="_compute_conflict_ethical_wall"
    )
    conflict_waived_by_id = fields.Many2one(
        "res.users", string="Waived By", readonly=True, copy=False, tracking=True
    )
    conflict_waiver_reason = fields.Text(
        "Waiver Reason", readonly=True, copy=False, groups=CONFLICT_GROUP
    )
    conflict_override_ids = fields.One2many(
        "crm.conflict.override",
        "lead_id",
        string="Conflict Overrides",
        groups=CONFLICT_GROUP,
    )
    conflict_gate_bypass = fields.Boolean(
        "Bypass Conflict Gate",
        copy=False,
        tracking=True,
        help="Intake managers only: let this lead into Appointment Made and "
        "later milestones whatever its conflict status. Say why.",
    )
    conflict_gate_bypass_reason = fields.Text("Bypass Reason", copy=False)
    conflict_gate_bypass_user_id = fields.Many2one(
        "res.users", string="Bypass By", readonly=True, copy=False
    )
    conflict_gate_bypass_date = fields.Datetime("Bypass On", readonly=True, copy=False)

    @api.depends("date_last_stage_update")
    def _compute_milestone_days(self):
        now = fields.Datetime.now()
        for lead in self:
            since = lead.date_last_stage_update
            # The stage date keeps microseconds, now() does not: never -1.
            lead.milestone_days = max((now - since).days, 0) if since else 0

    @api.depends("milestone_role", "date_last_stage_update", "active")
    @api.depends_context("company")
    def _compute_is_intake_urgent(self):
        now = fields.Datetime.now()
        cutoffs = {}
        for lead in self:
            company = lead.company_id or self.env.company
            if company not in cutoffs:
                cutoffs[company] = company._intake_urgent_cutoff(now)
            lead.is_intake_urgent = bool(
                lead.active
                and lead.milestone_role == milestones.CONTACT_INFO_RECEIVED
                and lead.date_last_stage_update
                and lead.date_last_stage_update < cutoffs[company]
            )

    def _search_is_intake_urgent(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        now = fields.Datetime.now()
        waiting_too_long = Domain.FALSE
        for company in self.env.companies:
            cutoff = company._intake_urgent_cutoff(now)
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
        vals_list = [self._milestone_clean_vals(vals) for vals in vals_list]
        vals_list = [self._conflict_create_vals(vals) for vals in vals_list]
        self._conflict_gate_create(vals_list)
        vals_list = [self._milestone_closing_vals(vals) for vals in vals_list]
        leads = super().create(vals_list)
        leads._conflict_after_create(vals_list)

        # Creating a lead is its entry into its first stage.
        staged = leads.filtered("stage_id")
        staged._milestone_log(
            entry=True,
            before={lead.id: (lead.stage_id.browse(), None) for lead in staged},
        )
        leads._milestone_reconcile({lead.id: lead.stage_id for lead in leads})
        staged._milestone_waiting_defaults({})
        leads._milestone_auto_contact_info_created(vals_list)
        return leads

    def write(self, vals):
        # The conflict gate and who may set conflict fields: before anything
        # is written, so a refused bulk write writes nothing.
        vals = self._milestone_clean_vals(vals)
        self._milestone_check_refusable(vals)
        vals = self._conflict_write_vals(vals)
        if "stage_id" in vals:
            self._conflict_gate(vals)
        if vals.get("conflict_gate_bypass"):
            self._conflict_log_bypass(vals)

        if not self._MILESTONE_TRIGGERS.intersection(vals):
            result = super().write(vals)
            self._milestone_auto_contact_info(vals)
            return result

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
        if moved:
            moved._milestone_waiting_defaults(
                {lead.id: before[lead.id][0] for lead in moved}
            )
        self._milestone_auto_contact_info(vals)
        return result

    # Stamped by the module itself (from the log, or when an intake manager
    # allows a bypass): a value given by hand would be a false record.
    _SYSTEM_STAMPED_FIELDS = frozenset(
        {
            *MILESTONE_DATE_FIELDS.values(),
            *LEAD_SUMMARY_FIELDS,
            "conflict_gate_bypass_user_id",
            "conflict_gate_bypass_date",
        }
    )

    def _milestone_refuse_unwon(self):
        won = self.filtered(lambda lead: lead.won_status == "won")
        if won:
            raise UserError(
                self.env._(
                    "%(leads)s: won leads cannot be refused. Move them back to "
                    "an open milestone first.",
                    leads=", ".join(won.mapped("display_name")),
                )
            )

    def _milestone_check_refusable(self, vals):
        """A funded (won) lead is refused by no path: not the button, not a
        kanban drag, not an import."""
        if vals.get("stage_id"):
            stage = self.env["crm.stage"].browse(vals["stage_id"])
            if stage.milestone_role == milestones.REFUSED:
                self._milestone_refuse_unwon()

    def _milestone_clean_vals(self, vals):
        """Refuse values the milestone rules cannot trust: a stage that is no
        stage id, and fields the module stamps itself (blanking one counts:
        it would drop the lead from the reports)."""
        stamped = {
            name
            for name in self._SYSTEM_STAMPED_FIELDS.intersection(vals)
            if not self._milestone_unchanged(name, vals[name])
        }
        if stamped and not self.env.su:
            raise AccessError(
                self.env._(
                    "%(leads)s: the intake module records %(fields)s itself "
                    "(from the milestone log, or when a bypass is allowed); "
                    "they cannot be set by hand. Leave them out.",
                    leads=self._milestone_named(vals),
                    fields=", ".join(
                        self._fields[name].string for name in sorted(stamped)
                    ),
                )
            )
        if "stage_id" not in vals:
            return vals
        stage_id = vals["stage_id"]
        if isinstance(stage_id, models.BaseModel) and len(stage_id) <= 1:
            stage_id = stage_id.id
        if stage_id is None:
            stage_id = False
        # bool is an int subclass: True is no stage id.
        valid = stage_id is False or (
            type(stage_id) is int
            and stage_id > 0
            and self.env["crm.stage"].browse(stage_id).exists()
        )
        if not valid:
            raise ValidationError(
                self.env._(
                    "%(leads)s: %(value)r is not a stage. Give the id of an "
                    "existing stage (CRM > Configuration > Stages), or False "
                    "for none.",
                    leads=self._milestone_named(vals),
                    value=vals["stage_id"],
                )
            )
        return {**vals, "stage_id": stage_id}

    def _milestone_named(self, vals):
        """The leads an error is about: those written, or the one created."""
        return (
            ", ".join(self.mapped("display_name"))
            or vals.get("name")
            or self.env._("A new lead")
        )

    def _milestone_unchanged(self, fname, value):
        """Whether writing ``value`` to ``fname`` leaves every lead of
        ``self`` as it is (on creation: whether it is empty)."""
        if not self:
            return not value
        field = self._fields[fname]
        return all(
            field.convert_to_record(field.convert_to_cache(value, lead), lead)
            == lead[fname]
            for lead in self
        )

    def _merge_opportunity(
        self, user_id=False, team_id=False, auto_unlink=True, max_length=5
    ):
        head = super()._merge_opportunity(
            user_id=user_id,
            team_id=team_id,
            auto_unlink=auto_unlink,
            max_length=max_length,
        )
        # The merged leads' log rows now belong to the head: its stays and
        # summary cover the whole history (merged leads kept, if any, have
        # none left). One statement: crm merges in bulk on lead assignment.
        kept = head if auto_unlink else self
        self.env["crm.lead.milestone.log"]._refresh_summary(kept.ids)
        return head

    def _merge_dependences(self, opportunities):
        result = super()._merge_dependences(opportunities)
        self._merge_dependences_milestone_log(opportunities)
        self._merge_dependences_conflict(opportunities)
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
                       merged_from = COALESCE(
                           log.merged_from, merged.name || ' (#' || merged.id || ')')
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

    def action_set_lost(self, **additional_values):
        # Marked lost from Refused: the firm now says the PNC went elsewhere.
        # The lead moves to Lost, which drops its refusal reason, rather than
        # carry both reasons in Refused.
        refused = self.filtered(
            lambda lead: lead.stage_id.milestone_role == milestones.REFUSED
        )
        result = super().action_set_lost(**additional_values)
        for team, leads in refused.grouped("team_id").items():
            if stage := self._milestone_stage_for(team, milestones.LOST):
                leads.write({"stage_id": stage.id})
        return result

    def action_set_refused(
        self, refusal_reason_id, referred_to_id=False, refusal_note=False
    ):
        """The firm declines the matter or refers it out: to Refused."""
        lead_names = ", ".join(self.mapped("display_name"))
        reason = self.env["crm.refusal.reason"]
        if isinstance(refusal_reason_id, int):
            reason = reason.browse(refusal_reason_id).exists()
        if not reason:
            raise UserError(
                self.env._(
                    "%(leads)s: choose why the firm refuses the matter (the id "
                    "of a refusal reason).",
                    leads=lead_names,
                )
            )
        if referred_to_id and not (
            isinstance(referred_to_id, int)
            and self.env["res.partner"].browse(referred_to_id).exists()
        ):
            raise UserError(
                self.env._(
                    "%(leads)s: the firm or attorney referred to (%(partner)s) is "
                    "not a contact; pick an existing contact.",
                    leads=lead_names,
                    partner=referred_to_id,
                )
            )
        self._milestone_refuse_unwon()
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
                        "a stage that role (CRM > Configuration > Settings > Law "
                        "Firm Intake > Configure Stages), then refuse again.",
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

    @api.constrains("stage_id", "refusal_reason_id", "referred_to_id")
    def _check_refusal_reason(self):
        # Refused records why, whichever way the lead got there (button,
        # kanban drag, import, RPC). A bulk move names every lead to fix.
        refused = self.filtered(
            lambda lead: lead.stage_id.milestone_role == milestones.REFUSED
        )
        if unexplained := refused.filtered(lambda lead: not lead.refusal_reason_id):
            raise ValidationError(
                self.env._(
                    "%(leads)s: say why the firm refuses them. Use the Refuse "
                    "button, or give a refusal reason with the stage.",
                    leads=", ".join(unexplained.mapped("display_name")),
                )
            )
        unreferred = refused.filtered(
            lambda lead: (
                lead.refusal_reason_id.requires_referral and not lead.referred_to_id
            )
        )
        if unreferred:
            raise ValidationError(
                self.env._(
                    "%(leads)s: the reason %(reason)s needs the firm or "
                    "attorney the prospective client was referred to. Fill "
                    "in 'Referred To'.",
                    leads=", ".join(unreferred.mapped("display_name")),
                    reason=", ".join(set(unreferred.refusal_reason_id.mapped("name"))),
                )
            )

    def _sort_by_confidence_level(self, reverse=False):
        """Rank milestone leads by milestone, not by stage sequence.

        crm ranks by stage sequence, which puts Lost, Refused and Waiting On
        (sorted after Retainer Funded) above a live or won lead, so a merge
        would keep the closed duplicate.
        """
        if not all(lead.stage_id.milestone_role for lead in self):
            return super()._sort_by_confidence_level(reverse=reverse)

        def confidence(lead):
            return (
                lead.type == "opportunity" or lead.active,
                lead.won_status != "lost",
                lead.type == "opportunity",
                milestones.confidence_rank(lead.stage_id.milestone_role),
                lead.probability,
                -lead._origin.id,
            )

        return self.sorted(key=confidence, reverse=reverse)

    def _milestone_stage_for(self, team, role):
        """The first stage playing ``role`` for ``team`` (or a shared one)."""
        return self._stage_find(team_id=team.id, domain=[("milestone_role", "=", role)])

    def _milestone_closing_vals(self, vals):
        """A lead put in Lost or Refused is closed the Odoo way: archived with
        probability 0, so crm's won/lost status agrees with the milestone."""
        stage_id = vals.get("stage_id")
        if not isinstance(stage_id, int) or not stage_id:
            # No stage, or a value the ORM itself will reject with its message.
            return vals
        role = self.env["crm.stage"].browse(stage_id).milestone_role
        if role not in milestones.CLOSED_ROLES:
            return vals
        return {**vals, "active": False, "probability": 0, "automated_probability": 0}

    def _milestone_log(self, before, entry=False):
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
            log_model = self.env["crm.lead.milestone.log"]
            log_model._insert_rows(
                log_model._prepare_rows(moves, self.env.cr.now(), entry=entry)
            )
        return self.browse([lead.id for lead, _stage, _date in moves])

    def _milestone_reconcile(self, stage_before):
        """Keep the milestone and Odoo's won/lost status in agreement.

        Runs after every write that may change either: a lead Odoo calls lost
        goes to the Lost milestone, a closed lead made active again returns to
        its last open milestone, and a lead taken out of Lost or Refused is
        reopened. Leads whose stage plays no milestone are left alone.
        """
        closed = milestones.CLOSED_ROLES

        def left(role):
            return self.filtered(
                lambda lead: (
                    stage_before[lead.id].milestone_role == role
                    and lead.stage_id.milestone_role != role
                )
            )

        # Out of Lost or Refused into an open (or the won) milestone: the lead
        # lives again, the Odoo way, with the probability of its stage.
        left_closed = left(milestones.LOST) | left(milestones.REFUSED)
        left_closed = left_closed.filtered(
            lambda lead: lead.stage_id.milestone_role not in closed
        )
        if left_closed:
            left_closed.filtered(lambda lead: not lead.active).action_unarchive()
            for lead in left_closed.filtered(lambda lead: not lead.stage_id.is_won):
                lead.probability = lead.automated_probability

        # A reason belongs to the milestone it explains.
        if left_refused := left(milestones.REFUSED):
            left_refused.write({"refusal_reason_id": False, "referred_to_id": False})
        if left_lost := left(milestones.LOST).filtered("lost_reason_id"):
            left_lost.write({"lost_reason_id": False})

        rest = self - left_closed
        # Cheap tests first: only an archived lead can be lost, and asking
        # for won_status forces its computation.
        newly_lost = rest.filtered(
            lambda lead: (
                lead.stage_id.milestone_role
                and lead.stage_id.milestone_role not in closed
                and not lead.active
                and lead.won_status == "lost"
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

    # ------------------------------------------------------------
    # INTAKE AND CONFLICT CHECK
    # ------------------------------------------------------------

    @api.depends("state_id", "company_id.service_area_state_ids")
    @api.depends_context("company")
    def _compute_service_area_status(self):
        for lead in self:
            served = (lead.company_id or self.env.company).service_area_state_ids
            if not served or not lead.state_id:
                lead.service_area_status = False
            elif lead.state_id in served:
                lead.service_area_status = "inside"
            else:
                lead.service_area_status = "outside"

    def _search_service_area_status(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        by_status = {"inside": Domain.FALSE, "outside": Domain.FALSE}
        for company in self.env.companies:
            served = company.service_area_state_ids
            if not served:
                continue
            company_ids = [company.id]
            if company == self.env.company:
                company_ids.append(False)
            of_company = Domain("company_id", "in", company_ids)
            by_status["inside"] |= of_company & Domain("state_id", "in", served.ids)
            by_status["outside"] |= (
                of_company
                & Domain("state_id", "!=", False)
                & Domain("state_id", "not in", served.ids)
            )
        known = by_status["inside"] | by_status["outside"]
        wanted = Domain.OR(by_status[status] if status else ~known for status in value)
        return wanted if operator == "in" else ~wanted

    @api.depends("contact_name", "partner_name")
    def _compute_names_normalized(self):
        for lead in self:
            lead.contact_name_normalized = names.normalize(lead.contact_name) or False
            lead.partner_name_normalized = names.normalize(lead.partner_name) or False

    @api.depends("conflict_status", "party_ids.checked_date")
    def _compute_conflict_stale(self):
        for lead in self:
            lead.conflict_stale = lead.conflict_status != "not_run" and any(
                not party.checked_date for party in lead.party_ids
            )

    def _search_conflict_stale(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        stale = Domain("conflict_status", "!=", "not_run") & Domain(
            "party_ids", "any", [("checked_date", "=", False)]
        )
        wants_stale = (operator == "in") == (True in value)
        return stale if wants_stale else ~stale

    @api.depends("conflict_check_id")
    def _compute_conflict_ethical_wall(self):
        # Only a flag reaches intake staff; the sign-offs themselves stay with
        # the attorneys.
        for lead in self:
            decisions = lead.conflict_check_id.sudo().decision_ids
            lead.conflict_ethical_wall = "ethical_wall" in decisions.mapped("decision")

    @api.constrains("conflict_gate_bypass", "conflict_gate_bypass_reason")
    def _check_conflict_gate_bypass_reason(self):
        for lead in self:
            if (
                lead.conflict_gate_bypass
                and not (lead.conflict_gate_bypass_reason or "").strip()
            ):
                raise UserError(
                    self.env._(
                        "%(lead)s: say why it may bypass the conflict gate "
                        "(Bypass Reason), then save again.",
                        lead=lead.display_name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_conflict_history(self):
        # Conflict checks are the firm's evidence; a lead that has some is
        # archived (lost or refused), not deleted.
        checked = self.filtered("conflict_check_ids")
        if checked:
            raise UserError(
                self.env._(
                    "%(leads)s has conflict check history and cannot be "
                    "deleted. Mark it lost or refused instead.",
                    leads=", ".join(checked.mapped("display_name")),
                )
            )

    # Conflict fields only the conflict check itself sets (a run, the
    # attorneys' sign-offs, an override with its reason), and the gate
    # bypass only intake managers set.
    _CONFLICT_REVIEW_FIELDS = frozenset(
        {
            "conflict_status",
            "conflict_check_id",
            "conflict_waived_by_id",
            "conflict_waiver_reason",
        }
    )
    _CONFLICT_BYPASS_FIELDS = frozenset(
        {"conflict_gate_bypass", "conflict_gate_bypass_reason"}
    )
    _CONFLICT_DEFAULTS = {
        "conflict_status": "not_run",
        "conflict_check_id": False,
        "conflict_waived_by_id": False,
        "conflict_waiver_reason": False,
        "conflict_gate_bypass": False,
        "conflict_gate_bypass_reason": False,
    }

    def _conflict_check_rights(self, changed, lead_names=None):
        """Refuse changes of protected conflict fields by the wrong users.
        ``lead_names`` names the leads in messages (new ones have no record
        yet)."""
        if self.env.su or not changed:
            return
        user = self.env.user
        review = self._CONFLICT_REVIEW_FIELDS.intersection(changed)
        if review:
            # Not even an attorney writes them directly: every change of the
            # status must leave its evidence (a run, a sign-off, an override).
            raise AccessError(
                self.env._(
                    "%(leads)s: the conflict status (%(fields)s) follows the "
                    "conflict check. Run the check, record a sign-off, or, as "
                    "an attorney, override the status with a reason.",
                    leads=lead_names or ", ".join(self.mapped("display_name")),
                    fields=", ".join(
                        sorted(self._fields[name].string for name in review)
                    ),
                )
            )
        bypass = self._CONFLICT_BYPASS_FIELDS.intersection(changed)
        if bypass and not user.has_group(INTAKE_MANAGER_GROUP):
            raise AccessError(
                self.env._(
                    "Only intake managers (Law Firm Intake: Intake Manager) "
                    "let a lead bypass the conflict gate."
                )
            )

    def _conflict_create_vals(self, vals):
        """Check who sets conflict fields on a new lead; stamp a bypass."""
        changed = {
            name
            for name, default in self._CONFLICT_DEFAULTS.items()
            if name in vals and (vals[name] or False) != default
        }
        self._conflict_check_rights(changed, lead_names=vals.get("name"))
        if vals.get("conflict_gate_bypass"):
            vals = {
                **vals,
                "conflict_gate_bypass_user_id": self.env.uid,
                "conflict_gate_bypass_date": fields.Datetime.now(),
            }
        return vals

    def _conflict_write_vals(self, vals):
        """Check who changes conflict fields; stamp or clear a bypass."""
        protected = self._CONFLICT_REVIEW_FIELDS | self._CONFLICT_BYPASS_FIELDS
        changed = set()
        for name in protected.intersection(vals):
            field = self._fields[name]
            new = field.convert_to_cache(vals[name], self)
            if any(
                field.convert_to_cache(lead[name], lead) != new for lead in self.sudo()
            ):
                changed.add(name)
        self._conflict_check_rights(changed)
        if "conflict_gate_bypass" in changed:
            on = bool(vals["conflict_gate_bypass"])
            vals = {
                **vals,
                "conflict_gate_bypass_user_id": self.env.uid if on else False,
                "conflict_gate_bypass_date": fields.Datetime.now() if on else False,
            }
            if not on:
                vals.setdefault("conflict_gate_bypass_reason", False)
        return vals

    def _conflict_gate_blocks(self, stage, status, bypass, stale):
        """Whether the gate stops this lead with these conflict values."""
        self.ensure_one()
        company = self.company_id or self.env.company
        if bypass or stage.milestone_role not in company._conflict_gated_roles():
            return False
        return status not in CONFLICT_PASSING or stale

    def _conflict_gate(self, vals):
        """Refuse the whole write when a lead would enter a gated milestone
        without a passing conflict check."""
        stage_id = vals["stage_id"]
        if not isinstance(stage_id, int) or not stage_id:
            # No stage, or a value the ORM itself rejects with its message.
            return
        stage = self.env["crm.stage"].browse(stage_id)
        if stage.milestone_role not in milestones.MAIN_PATH:
            return
        companies = self.company_id | self.env.company
        if not any(companies.mapped("conflict_gate")):
            return
        changes_parties = self._conflict_party_commands_change(
            vals.get("party_ids", ())
        )
        blocked = self.filtered(
            lambda lead: (
                lead.stage_id != stage
                and lead._conflict_gate_blocks(
                    stage,
                    vals.get("conflict_status", lead.conflict_status),
                    vals.get("conflict_gate_bypass", lead.conflict_gate_bypass),
                    changes_parties or lead.conflict_stale,
                )
            )
        )
        if blocked:
            self._conflict_gate_refuse(blocked, stage, parties_changed=changes_parties)

    @api.model
    def _conflict_party_commands_change(self, commands):
        """Whether ``party_ids`` commands add or change a party the check
        would have to search again: a new line, one linked from elsewhere, or
        a new name, role, contact or lead."""
        checked = self.env["crm.lead.party"]._CHECKED_FIELDS
        for command in commands or ():
            if not isinstance(command, (list, tuple)) or not command:
                continue
            if command[0] in (Command.CREATE, Command.LINK, Command.SET):
                return True
            if command[0] == Command.UPDATE and checked.intersection(command[2] or {}):
                return True
        return False

    def _conflict_gate_create(self, vals_list):
        """The gate for leads created straight into a gated milestone."""
        default_stage = self.env.context.get("default_stage_id")
        for vals in vals_list:
            stage_id = vals.get("stage_id") or default_stage
            if not isinstance(stage_id, int):
                continue
            stage = self.env["crm.stage"].browse(stage_id)
            company = self.env["res.company"].browse(vals.get("company_id"))
            gated = (company or self.env.company)._conflict_gated_roles()
            if stage.milestone_role not in gated:
                continue
            status = vals.get("conflict_status") or "not_run"
            if vals.get("conflict_gate_bypass") or status in CONFLICT_PASSING:
                continue
            self._conflict_gate_refuse(
                self.browse(), stage, new_names=[vals.get("name") or "-"], status=status
            )

    def _conflict_after_create(self, vals_list):
        """Leads whose stage crm computed (no stage given) meet the gate too;
        a bypass given at creation is noted in the chatter."""
        unstaged = self.browse(
            lead.id
            for lead, vals in zip(self, vals_list, strict=True)
            if not vals.get("stage_id") and not self.env.context.get("default_stage_id")
        )
        blocked = unstaged.filtered(
            lambda lead: lead._conflict_gate_blocks(
                lead.stage_id, lead.conflict_status, lead.conflict_gate_bypass, False
            )
        )
        if blocked:
            self._conflict_gate_refuse(blocked, blocked[0].stage_id)
        for lead in self.filtered("conflict_gate_bypass"):
            lead._conflict_post_bypass(lead.conflict_gate_bypass_reason)

    def _conflict_gate_refuse(
        self, blocked, stage, new_names=None, status=None, parties_changed=False
    ):
        """Log the refusal on one line and raise the error naming each lead."""
        status_labels = dict(
            self._fields["conflict_status"]._description_selection(self.env)
        )
        if new_names is None:
            lines = [
                self.env._(
                    "%(lead)s: %(status)s%(stale)s",
                    lead=lead.display_name,
                    status=status_labels[lead.conflict_status],
                    stale=self.env._(
                        ", but a party was added or changed since the check: "
                        "run it again"
                    )
                    if lead.conflict_stale or parties_changed
                    else "",
                )
                for lead in blocked
            ]
        else:
            lines = [f"{name}: {status_labels[status]}" for name in new_names]
        _logger.info(
            "Conflict gate refused %s lead(s) into stage %s (%s): %s",
            len(lines),
            stage.id,
            stage.milestone_role,
            blocked.ids or new_names,
        )
        raise UserError(
            self.env._(
                "These leads cannot enter %(stage)s until their conflict check "
                "is clear or waived:\n%(leads)s\n\nAdd the parties, run the "
                "conflict check and have an attorney sign off on any hit; or "
                "refuse the matter for a conflict of interest.",
                stage=stage.display_name,
                leads="\n".join(lines),
            )
        )

    def _conflict_log_bypass(self, vals):
        for lead in self.filtered(lambda lead: not lead.conflict_gate_bypass):
            lead._conflict_post_bypass(
                vals.get("conflict_gate_bypass_reason")
                or lead.conflict_gate_bypass_reason
            )

    def _conflict_post_bypass(self, reason):
        self.ensure_one()
        self.message_post(
            body=self.env._(
                "Conflict gate bypass allowed by %(user)s: %(reason)s",
                user=self.env.user.name,
                reason=reason or "-",
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _conflict_parties_to_search(self):
        """The lead's parties, with the prospective client added from the
        lead's contact when intake did not enter it as a party."""
        self.ensure_one()
        if not any(p.role == names.PROSPECTIVE_CLIENT for p in self.party_ids):
            client_name = self.contact_name or self.partner_name or self.partner_id.name
            if client_name:
                self.env["crm.lead.party"].create(
                    {
                        "lead_id": self.id,
                        "name": client_name,
                        "role": names.PROSPECTIVE_CLIENT,
                        "partner_id": self.partner_id.id,
                        "sequence": 0,
                    }
                )
        return self.party_ids

    def _conflict_set_status(self, status, waived_by=None, reason=False):
        values = {"conflict_status": status}
        if status == "waived":
            values["conflict_waived_by_id"] = waived_by.id if waived_by else False
            values["conflict_waiver_reason"] = reason or False
        else:
            values["conflict_waived_by_id"] = False
            values["conflict_waiver_reason"] = False
        changed = self.filtered(
            lambda lead: lead.conflict_status != status or status == "waived"
        )
        # The check's own evidence is written: the status follows it.
        changed.sudo().write(values)

    def _conflict_apply_run(self, run):
        """A new run is the lead's latest: its result is the status."""
        self.ensure_one()
        self.sudo().write(
            {
                "conflict_check_id": run.id,
                "conflict_status": run.result,
                "conflict_waived_by_id": False,
                "conflict_waiver_reason": False,
            }
        )
        status = dict(self._fields["conflict_status"]._description_selection(self.env))[
            run.result
        ]
        self.message_post(
            body=self.env._(
                "Conflict check run by %(user)s over %(count)s names: %(status)s.",
                user=run.user_id.name,
                count=run.name_count,
                status=status,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _conflict_apply_override(self, override):
        self.ensure_one()
        self._conflict_set_status(
            override.to_status, waived_by=override.user_id, reason=override.reason
        )
        labels = dict(self._fields["conflict_status"]._description_selection(self.env))
        # The reason may name other matters: it stays in the override log,
        # which only conflict attorneys read.
        self.message_post(
            body=self.env._(
                "Conflict status set by hand from %(before)s to %(after)s by "
                "%(user)s. The reason is in the conflict override log.",
                before=labels.get(override.from_status, "-"),
                after=labels[override.to_status],
                user=override.user_id.name,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _merge_dependences_conflict(self, opportunities):
        """The merged leads' parties and conflict checks move to this lead;
        the moved parties are unchecked for it."""
        self.ensure_one()
        parties = opportunities.sudo().party_ids
        if parties:
            parties.write({"lead_id": self.id, "checked_date": False})
        runs = opportunities.sudo().conflict_check_ids
        if runs:
            runs.sudo().write({"lead_id": self.id})

        # A merge must not wash a hit away: the surviving lead takes the
        # gravest status of the merged leads, with the run that found it.
        gravest = max(
            self | opportunities,
            key=lambda lead: CONFLICT_SEVERITY[lead.conflict_status],
        )
        if (
            CONFLICT_SEVERITY[gravest.conflict_status]
            > CONFLICT_SEVERITY[self.conflict_status]
        ):
            labels = dict(
                self._fields["conflict_status"]._description_selection(self.env)
            )
            self.sudo().write(
                {
                    "conflict_status": gravest.conflict_status,
                    "conflict_check_id": gravest.conflict_check_id.id,
                    "conflict_waived_by_id": False,
                    "conflict_waiver_reason": False,
                }
            )
            self.message_post(
                body=self.env._(
                    "Merged with %(lead)s, whose conflict check says %(status)s: "
                    "this lead keeps that status until an attorney reviews it.",
                    lead=gravest.display_name,
                    status=labels[gravest.conflict_status],
                ),
                subtype_xmlid="mail.mt_note",
            )

    def action_run_conflict_check(self):
        self.env["crm.conflict.check"]._run_for_leads(self)
        return True

    def action_conflict_sign_off(self):
        """Record one's decision on the lead's latest conflict check."""
        self.ensure_one()
        if not self.conflict_check_id:
            raise UserError(
                self.env._(
                    "%(lead)s has no conflict check to sign off yet: run it first.",
                    lead=self.display_name,
                )
            )
        return self.conflict_check_id.action_sign_off()

    def action_open_conflict_override(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Override Conflict Status"),
            "res_model": "crm.conflict.override",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_id": self.id},
        }

    def action_refuse_for_conflict(self):
        """The refuse wizard with the conflict-of-interest reason chosen."""
        action = self.action_open_refuse_wizard()
        reason = self.env.ref(
            "crm_law_milestones.crm_refusal_reason_conflict", raise_if_not_found=False
        )
        if reason:
            action["context"] = {
                **action["context"],
                "default_refusal_reason_id": reason.id,
            }
        return action

    # ------------------------------------------------------------
    # AUTOMATION
    # ------------------------------------------------------------

    @api.constrains("stage_id", "waiting_reason")
    def _check_waiting_reason(self):
        # Waiting On says why, whichever way the lead got there (form, kanban
        # drag, import, RPC): the review needs to know what to look at.
        unexplained = self.filtered(
            lambda lead: (
                lead.stage_id.milestone_role == milestones.WAITING_ON
                and not lead.waiting_reason
            )
        )
        if unexplained:
            raise ValidationError(
                self.env._(
                    "%(leads)s: say what they are waiting on (funds, a mandatory "
                    "waiting period, the client not ready, other). Set the "
                    "Waiting Reason with the stage, from the lead's form.",
                    leads=", ".join(unexplained.mapped("display_name")),
                )
            )

    def _milestone_waiting_defaults(self, stage_before):
        """A lead entering Waiting On gets a review date from its company's
        interval unless one was given; one back on the main path drops its
        reason and date, so the next wait asks again."""
        waiting = milestones.WAITING_ON
        no_stage = self.env["crm.stage"]
        entered = self.filtered(
            lambda lead: (
                lead.stage_id.milestone_role == waiting
                and stage_before.get(lead.id, no_stage).milestone_role != waiting
                and not lead.waiting_review_date
            )
        )
        today = fields.Date.context_today(self)
        by_company = entered.grouped(lambda lead: lead.company_id or self.env.company)
        for company, leads in by_company.items():
            review = today + timedelta(days=company.waiting_review_days)
            leads.write({"waiting_review_date": review})

        resumed = self.filtered(
            lambda lead: (
                stage_before.get(lead.id, no_stage).milestone_role == waiting
                and lead.stage_id.milestone_role in milestones.MAIN_PATH
                and (lead.waiting_reason or lead.waiting_review_date)
            )
        )
        if resumed:
            resumed.write(
                {
                    "waiting_reason": False,
                    "waiting_note": False,
                    "waiting_review_date": False,
                }
            )

    def _milestone_auto_contact_info(self, vals):
        """Leads in Awaiting Info given an email or a phone move to Contact
        Info Received, when their company wants it. Picking a contact fills
        them in too, as it does at creation."""
        if "stage_id" in vals or not (
            vals.get("email_from") or vals.get("phone") or vals.get("partner_id")
        ):
            return
        self._milestone_move_contact_info()

    def _milestone_auto_contact_info_created(self, vals_list):
        # Only leads whose stage crm chose (mail gateway, web forms, quick
        # create): a stage given explicitly is the creator's decision.
        if self.env.context.get("default_stage_id"):
            return
        self.browse(
            lead.id
            for lead, vals in zip(self, vals_list, strict=True)
            if not vals.get("stage_id")
        )._milestone_move_contact_info()

    def _milestone_move_contact_info(self):
        leads = self.filtered(
            lambda lead: (
                lead.milestone_role == milestones.AWAITING_INFO
                and (lead.email_from or lead.phone)
                and (lead.company_id or self.env.company).intake_auto_contact_info
            )
        )
        for team, team_leads in leads.grouped("team_id").items():
            stage = self._milestone_stage_for(team, milestones.CONTACT_INFO_RECEIVED)
            if stage:
                team_leads.write({"stage_id": stage.id})

    def _milestone_activity_user(self):
        """Who is reminded about a lead: its salesperson, else the team
        leader; nobody (no activity) for an unassigned lead of no team."""
        self.ensure_one()
        return self.user_id or self.team_id.user_id

    def _milestone_schedule(self, activity_xmlid, deadline_of, summary):
        """One reminder of a type per lead and deadline: a lead that already
        has one for that day, open or done, is skipped, so the hourly runs
        add nothing and a reminder marked done is not asked again. Returns
        the number scheduled."""
        activity_type = self.env.ref(activity_xmlid)
        asked = {
            (activity.res_id, activity.date_deadline)
            for activity in self.env["mail.activity"]
            .with_context(active_test=False)
            .search_fetch(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("activity_type_id", "=", activity_type.id),
                ],
                ["res_id", "date_deadline"],
            )
        }
        scheduled = 0
        for lead in self:
            user = lead._milestone_activity_user()
            deadline = deadline_of(lead)
            if not user or (lead.id, deadline) in asked:
                continue
            lead.activity_schedule(
                activity_type_id=activity_type.id,
                date_deadline=deadline,
                summary=summary,
                user_id=user.id,
            )
            scheduled += 1
        return scheduled

    @api.model
    def _milestone_in_all_companies(self):
        """The crons' model in every company, whichever the cron's own user
        belongs to."""
        companies = self.env["res.company"].search([])  # pylint: disable=no-search-all
        return self.with_context(allowed_company_ids=companies.ids)

    @api.model
    def _cron_intake_urgent_activities(self):
        """Call-now activities for leads past the urgent-intake threshold;
        close those of leads that left Contact Info Received.

        Runs as the cron's superuser, over every company.
        """
        activity_type = self.env.ref("crm_law_milestones.mail_activity_type_call_pnc")
        stale = self.env["mail.activity"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("activity_type_id", "=", activity_type.id),
            ]
        )
        moved_on = self.with_context(active_test=False).browse(stale.mapped("res_id"))
        moved_on = moved_on.filtered(
            lambda lead: (
                lead.milestone_role != milestones.CONTACT_INFO_RECEIVED
                or not lead.active
            )
        )
        stale = stale.filtered(lambda activity: activity.res_id in moved_on.ids)
        stale.action_feedback(
            feedback=self.env._("The lead left Contact Info Received.")
        )

        leads = self._milestone_in_all_companies().search(
            [("is_intake_urgent", "=", True)]
        )

        def deadline(lead):
            # The day it became urgent, in the salesperson's time zone: a lead
            # left from yesterday shows as overdue.
            company = lead.company_id or self.env.company
            became_urgent = company._intake_urgent_at(lead.date_last_stage_update)
            tz = lead._milestone_activity_user().tz
            return fields.Date.context_today(lead.with_context(tz=tz), became_urgent)

        scheduled = leads._milestone_schedule(
            "crm_law_milestones.mail_activity_type_call_pnc",
            deadline,
            self.env._("Call the prospective client now"),
        )
        _logger.info(
            "Urgent intake: %s lead(s) past the threshold, %s new call-now "
            "activities, %s closed",
            len(leads),
            scheduled,
            len(stale),
        )

    @api.model
    def _cron_waiting_review_activities(self):
        """Review activities for Waiting On leads whose review date came,
        one per review date (a new date asks again)."""
        today = fields.Date.context_today(self)
        leads = self._milestone_in_all_companies().search(
            [
                ("milestone_role", "=", milestones.WAITING_ON),
                ("waiting_review_date", "<=", today),
            ]
        )
        scheduled = leads._milestone_schedule(
            "crm_law_milestones.mail_activity_type_review_waiting",
            lambda lead: lead.waiting_review_date,
            self.env._("Review the waiting lead"),
        )
        _logger.info(
            "Waiting On review: %s lead(s) due, %s new review activities",
            len(leads),
            scheduled,
        )
