import logging
from collections import namedtuple
from contextlib import contextmanager

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command, Domain
from odoo.tools import SQL

from ..lib import milestones, names

_logger = logging.getLogger(__name__)

CONFLICT_GROUP = "crm_law_milestones.group_conflict_check"
CONFLICT_STATUS_SELECTION = [
    ("not_run", "Not Run"),
    ("clear", "Clear"),
    ("potential", "Potential Conflict"),
    ("conflict", "Conflict"),
    ("waived", "Waived"),
]
RESULT_SELECTION = [
    ("clear", "Clear"),
    ("potential", "Potential Conflict"),
    ("conflict", "Conflict"),
]
# Candidates read per searched name and per kind of record, most similar
# first: enough for every plausible match, few enough to score in
# milliseconds even for the commonest surname.
CANDIDATE_LIMIT = 200
# pg_trgm similarity a candidate needs. Loose on purpose: the trigram index
# only narrows the field, rapidfuzz decides. "John Smith" v "J. Smith" is
# about 0.58, "John Smith" v "John Paul George Smith" 0.48.
TRIGRAM_THRESHOLD = 0.4

# One record whose name resembles a searched name.
Candidate = namedtuple(
    "Candidate",
    "source record matched_name normalized role lead company readable",
)


class CrmConflictCheck(models.Model):
    """One run of the conflict check for a lead, kept as evidence.

    Who ran it, when, the names searched and every hit. A new run never
    replaces an older one; the lead points at its latest run.
    """

    _name = "crm.conflict.check"
    _description = "Conflict Check Run"
    _order = "date desc, id desc"

    lead_id = fields.Many2one(
        "crm.lead", required=True, index=True, ondelete="restrict", readonly=True
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    user_id = fields.Many2one(
        "res.users",
        string="Run By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    searched_names = fields.Text(
        "Names Searched", readonly=True, help="One line per party: name (role)."
    )
    name_count = fields.Integer("Names", readonly=True)
    result = fields.Selection(RESULT_SELECTION, required=True, readonly=True)
    firm_wide = fields.Boolean(
        "Firm-wide",
        readonly=True,
        help="Searched every company of the firm, not only those the user can read.",
    )

    # The evidence: attorneys only
    hit_ids = fields.One2many(
        "crm.conflict.hit", "run_id", string="Hits", groups=CONFLICT_GROUP
    )
    hit_count = fields.Integer(compute="_compute_hit_counts", groups=CONFLICT_GROUP)
    conflict_count = fields.Integer(
        compute="_compute_hit_counts", groups=CONFLICT_GROUP
    )
    truncated = fields.Boolean(
        readonly=True,
        groups=CONFLICT_GROUP,
        help="A name had more similar records than the search reads; the "
        "most similar ones were kept. Search a fuller name to narrow it.",
    )
    decision_ids = fields.One2many(
        "crm.conflict.decision",
        "run_id",
        string="Sign-offs",
        groups=CONFLICT_GROUP,
    )
    note = fields.Text(groups=CONFLICT_GROUP)
    is_latest = fields.Boolean("Latest Run", compute="_compute_is_latest")

    @api.depends("lead_id", "date")
    def _compute_display_name(self):
        for run in self:
            run.display_name = self.env._(
                "%(lead)s: conflict check of %(date)s",
                lead=run.lead_id.display_name,
                date=run.date,
            )

    @api.depends("hit_ids.kind")
    def _compute_hit_counts(self):
        for run in self:
            run.hit_count = len(run.hit_ids)
            run.conflict_count = len(
                run.hit_ids.filtered(lambda hit: hit.kind == "conflict")
            )

    @api.depends("lead_id.conflict_check_id")
    def _compute_is_latest(self):
        for run in self:
            run.is_latest = run.lead_id.conflict_check_id == run

    def write(self, vals):
        # Runs are evidence: only the reviewing attorney's note changes.
        if set(vals) - {"note"} and not self.env.su:
            raise UserError(
                self.env._(
                    "A conflict check run is a record of what the search "
                    "found and cannot be edited. Run the check again instead."
                )
            )
        return super().write(vals)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_refuse_for_conflict(self):
        self.ensure_one()
        return self.lead_id.action_refuse_for_conflict()

    def action_sign_off(self):
        """A new sign-off on this run: an earlier one is never edited."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sign Off"),
            "res_model": "crm.conflict.decision",
            "view_mode": "form",
            "target": "new",
            "context": {"default_run_id": self.id},
        }

    # ------------------------------------------------------------
    # THE SEARCH
    # ------------------------------------------------------------

    @api.model
    def _run_for_leads(self, leads):
        """Run the conflict check for each lead and return the new runs."""
        if not self.env.su and not self.env.user.has_group(CONFLICT_GROUP):
            raise AccessError(
                self.env._(
                    "Only members of the Attorney group run conflict "
                    "checks. Ask an attorney to run it for %(leads)s.",
                    leads=", ".join(leads.mapped("display_name")),
                )
            )
        runs = self.browse()
        with _trigram_threshold(self.env.cr, TRIGRAM_THRESHOLD):
            for lead in leads:
                runs |= self._run_for_lead(lead)
        return runs

    @api.model
    def _run_for_lead(self, lead):
        parties = lead._conflict_parties_to_search()
        searched = parties.filtered("name_normalized")
        if not searched:
            raise UserError(
                self.env._(
                    "%(lead)s has no party to search. Add the prospective "
                    "client and the other parties on the Intake tab, then run "
                    "the conflict check.",
                    lead=lead.display_name,
                )
            )
        company = lead.company_id or self.env.company
        firm_wide = company.conflict_firm_wide
        hits, truncated = [], False
        for party in searched:
            candidates, cut = self._candidates(lead, party, firm_wide)
            truncated |= cut
            hits += self._hit_values(party, candidates)

        now = fields.Datetime.now()
        role_labels = dict(
            self.env["crm.lead.party"]._fields["role"]._description_selection(self.env)
        )
        # Runs and hits are the search's evidence: only the search writes
        # them (users have no create right), with what the user could read.
        run = self.sudo().create(
            {
                "lead_id": lead.id,
                "date": now,
                "user_id": self.env.uid,
                "company_id": company.id,
                "searched_names": "\n".join(
                    f"{party.name} ({role_labels[party.role]})" for party in searched
                ),
                "name_count": len(searched),
                "result": names.run_result(hit["kind"] for hit in hits),
                "firm_wide": firm_wide,
                "truncated": truncated,
                "hit_ids": [Command.create(hit) for hit in hits],
            }
        )
        run = run.with_env(self.env)
        searched.sudo().write({"checked_date": now})
        lead._conflict_apply_run(run)
        return run

    def _candidates(self, lead, party, firm_wide):
        """Records of the firm whose name resembles ``party``'s.

        Searched with the user's rights (every company the user may read) so
        a run never shows what record rules hide; firm-wide, as superuser,
        with the records the user cannot read marked unreadable.
        """
        user_env = self.env(
            context={
                **self.env.context,
                "active_test": False,
                "allowed_company_ids": self.env.user.company_ids.ids,
            }
        )
        search_env = user_env(su=True) if firm_wide else user_env
        key = party.name_normalized
        candidates, truncated = [], False

        partners, cut = self._trigram_search(
            search_env["res.partner"], ["name_normalized"], key, []
        )
        truncated |= cut
        leads, cut = self._trigram_search(
            search_env["crm.lead"],
            ["contact_name_normalized", "partner_name_normalized"],
            key,
            [("id", "!=", lead.id)],
        )
        truncated |= cut
        parties, cut = self._trigram_search(
            search_env["crm.lead.party"],
            ["name_normalized"],
            key,
            [("lead_id", "!=", lead.id)],
        )
        truncated |= cut

        readable = None
        if firm_wide:
            readable = self._readable_ids(user_env, (partners, leads, parties))
        clients = self._client_ids(search_env, partners, leads | parties.lead_id)

        # The lead's own contact is the prospective client, not a hit.
        own_partners = lead.partner_id | lead.partner_id.commercial_partner_id
        own_partners |= party.partner_id
        for partner in partners:
            role = names.CLIENT if partner.id in clients["partners"] else names.CONTACT
            if partner in own_partners and role == names.CONTACT:
                continue
            candidates.append(
                Candidate(
                    "contact",
                    partner,
                    partner.name,
                    partner.name_normalized,
                    role,
                    None,
                    partner.company_id,
                    readable is None or ("res.partner", partner.id) in readable,
                )
            )
        for found in leads:
            role = (
                names.CLIENT
                if found.id in clients["leads"]
                else names.PROSPECTIVE_CLIENT
            )
            for name, normalized in (
                (found.contact_name, found.contact_name_normalized),
                (found.partner_name, found.partner_name_normalized),
            ):
                if normalized:
                    candidates.append(
                        Candidate(
                            "lead",
                            found,
                            name,
                            normalized,
                            role,
                            found,
                            found.company_id,
                            readable is None or ("crm.lead", found.id) in readable,
                        )
                    )
        for found in parties:
            role = found.role
            if (
                role == names.PROSPECTIVE_CLIENT
                and found.lead_id.id in clients["leads"]
            ):
                role = names.CLIENT
            candidates.append(
                Candidate(
                    "party",
                    found,
                    found.name,
                    found.name_normalized,
                    role,
                    found.lead_id,
                    found.company_id,
                    readable is None or ("crm.lead.party", found.id) in readable,
                )
            )
        return candidates, truncated

    @api.model
    def _trigram_search(self, model, columns, key, domain):
        """Up to ``CANDIDATE_LIMIT`` records of ``model`` (in its env, with
        its record rules) whose ``columns`` resemble ``key``, most similar
        first, and whether more were left out.

        pg_trgm's ``%`` operator (similarity above the session threshold) is
        what the GIN trigram index Odoo builds for ``index='trigram'``
        answers; the column goes through ``unaccent`` exactly as that index
        does, so PostgreSQL uses it.
        """
        named = Domain.OR(Domain(column, "!=", False) for column in columns)
        query = model._search(Domain(domain) & named)
        table = query.table
        unaccent = self.env.registry.unaccent
        sql_columns = [unaccent(SQL.identifier(table, column)) for column in columns]
        if self.env.registry.has_trigram:
            query.add_where(
                SQL(
                    "(%s)",
                    SQL(" OR ").join(
                        SQL("%s %% %s", column, key) for column in sql_columns
                    ),
                )
            )
            similarities = [
                SQL("similarity(%s, %s)", column, key) for column in sql_columns
            ]
            best = (
                similarities[0]
                if len(similarities) == 1
                else SQL("GREATEST(%s)", SQL(", ").join(similarities))
            )
            query.order = SQL("%s DESC, %s", best, SQL.identifier(table, "id"))
        else:
            # Without pg_trgm: any record sharing a whole word of three
            # letters or more. Typos in every word are then missed.
            words = [word for word in names.tokens(key) if len(word) >= 3] or [key]
            query.add_where(
                SQL(" OR ").join(
                    SQL("%s LIKE %s", column, f"%{word}%")
                    for column in sql_columns
                    for word in words
                )
            )
            query.order = SQL.identifier(table, "id")
        query.limit = CANDIDATE_LIMIT + 1
        ids = [row[0] for row in self.env.execute_query(query.select())]
        return model.browse(ids[:CANDIDATE_LIMIT]), len(ids) > CANDIDATE_LIMIT

    @api.model
    def _readable_ids(self, user_env, recordsets):
        """(model, id) of the records in ``recordsets`` the user may read."""
        readable = set()
        for records in recordsets:
            if records:
                found = user_env[records._name].search([("id", "in", records.ids)])
                readable.update((records._name, record_id) for record_id in found.ids)
        return readable

    @api.model
    def _client_ids(self, env, partners, leads):
        """The firm's clients among these records: leads that reached
        Retainer Funded (in that stage now, or logged there once) and the
        contacts of such leads, or of their people."""
        funded = milestones.RETAINER_FUNDED
        reached_funded = Domain("milestone_role", "=", funded) | Domain(
            "milestone_log_ids.to_role", "=", funded
        )
        Lead = env["crm.lead"]
        client_leads = Lead.browse()
        if leads:
            client_leads = Lead.search(Domain("id", "in", leads.ids) & reached_funded)
        client_partners = set()
        if partners:
            # Two indexed steps rather than one OR over every lead.
            family = partners | env["res.partner"].search(
                [("commercial_partner_id", "in", partners.ids)]
            )
            partner_leads = Lead.search(
                Domain("partner_id", "in", family.ids) & reached_funded
            )
            for partner in partner_leads.partner_id:
                client_partners.update((partner.id, partner.commercial_partner_id.id))
        return {"leads": set(client_leads.ids), "partners": client_partners}

    @api.model
    def _hit_values(self, party, candidates):
        """Hit values for the candidates that really match ``party``.

        One hit per matter and role (a lead's contact and its prospective
        client line are the same person) and per contact; the best score wins.
        """
        best = {}
        for candidate in candidates:
            name_score = names.score(party.name_normalized, candidate.normalized)
            kind = names.hit_kind(party.role, candidate.role, name_score)
            if not kind:
                continue
            if candidate.lead:
                key = ("matter", candidate.lead.id, candidate.role)
            else:
                key = (candidate.source, candidate.record.id)
            if key in best and best[key][0] >= name_score:
                continue
            best[key] = (name_score, kind, candidate)

        hits = []
        for name_score, kind, candidate in best.values():
            shown = candidate.readable
            hits.append(
                {
                    "party_id": party.id,
                    "searched_name": party.name,
                    "searched_role": party.role,
                    "matched_name": candidate.matched_name,
                    "score": name_score,
                    "kind": kind,
                    "source": candidate.source if shown else False,
                    "found_role": candidate.role if shown else False,
                    "res_model": candidate.record._name if shown else False,
                    "res_id": candidate.record.id if shown else False,
                    "found_lead_id": candidate.lead.id
                    if shown and candidate.lead
                    else False,
                    "found_company_id": candidate.company.id,
                    "redacted": not shown,
                }
            )
        return hits

    # ------------------------------------------------------------
    # SIGN-OFF
    # ------------------------------------------------------------

    def _status_from_decisions(self):
        """The lead's conflict status that the sign-offs on this run give.

        One attorney's "conflict" makes it a conflict at once. Otherwise the
        run's own result stands until every named reviewer (or, when the
        company names none, one conflict attorney) has decided; then a waiver
        makes it waived and anything else clear (an ethical wall is shown on
        the lead). Each reviewer's latest decision counts. Returns (status,
        waiver decisions).
        """
        self.ensure_one()
        latest = {}
        for decision in self.sudo().decision_ids.sorted(
            lambda decision: (decision.create_date, decision.id), reverse=True
        ):
            latest.setdefault(decision.reviewer_id, decision)
        decisions = self.env["crm.conflict.decision"].sudo().union(*latest.values())
        empty = decisions.browse()
        if any(decision.decision == "conflict" for decision in decisions):
            return "conflict", empty
        reviewers = (self.company_id or self.env.company).conflict_reviewer_ids
        if not decisions or (reviewers and not reviewers <= decisions.reviewer_id):
            return self.result, empty
        waivers = decisions.filtered(lambda decision: decision.decision == "waiver")
        if waivers:
            return "waived", waivers
        return "clear", empty

    def _follow_decisions(self):
        for run in self.filtered("is_latest"):
            status, waivers = run._status_from_decisions()
            run.lead_id._conflict_set_status(
                status,
                waived_by=waivers[:1].reviewer_id,
                reason="\n".join(waivers.filtered("note").mapped("note")),
            )


@contextmanager
def _trigram_threshold(cr, threshold):
    """pg_trgm's ``%`` threshold for the block, then the previous one back."""

    def set_threshold(value):
        cr.execute(
            SQL("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", value)
        )

    cr.execute(SQL("SELECT current_setting('pg_trgm.similarity_threshold', true)"))
    previous = cr.fetchone()[0] or "0.3"
    set_threshold(str(threshold))
    try:
        yield
    except psycopg2.Error:
        # The transaction is aborted and rolls the setting back itself.
        raise
    except Exception:
        set_threshold(previous)
        raise
    set_threshold(previous)
