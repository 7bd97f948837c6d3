from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..lib import flow, milestones
from .crm_milestone_report_mixin import LEAD_COLUMNS


class CrmMilestoneForecastReport(models.Model):
    """Funded retainers and fees to expect in the next 30, 60 and 90 days.

    One row per open lead (active, in an open milestone). From the history
    of the leads the user can read, each open milestone gets its funding
    rate (of the leads that were in it and are now closed, the share that was
    funded) and the spread of the time from entering it to funding; lib/flow
    turns those into the chance that a lead which has sat in the milestone
    for so many days is funded within each horizon. The columns hold that
    chance (expected retainers) and the chance times the lead's expected
    revenue (expected fees): their sums are the expected totals.
    """

    _name = "crm.milestone.forecast.report"
    _inherit = ["crm.milestone.report.mixin"]
    _description = "Funded Retainer Forecast"
    _auto = False
    _order = "funded_90 desc, id desc"
    _rec_name = "lead_id"
    _depends = {
        "crm.lead": [
            "create_date",
            *LEAD_COLUMNS,
            "stage_id",
            "milestone_role",
            "milestone_furthest",
            "active",
            "date_last_stage_update",
            "expected_revenue",
        ],
        "crm.lead.milestone.log": [
            "lead_id",
            "to_role",
            "reentered_at",
            "funding_days",
        ],
    }

    lead_id = fields.Many2one("crm.lead", readonly=True)
    lead_create_date = fields.Datetime("Lead Created On", readonly=True)
    milestone = fields.Selection("_selection_milestone", readonly=True)
    days_in_milestone = fields.Float(readonly=True, aggregator="avg")
    funded_rate = fields.Float(
        "Funding Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Of the leads that were in this milestone and are now closed, "
        "the share that was funded.",
    )
    usual_days = fields.Float(
        "Usual Days to Funding",
        readonly=True,
        aggregator="avg",
        help="Median days from entering this milestone to funding, over the "
        "funded leads that were in it.",
    )
    expected_revenue = fields.Float("Expected Fees if Funded", readonly=True)
    funded_30 = fields.Float("Retainers in 30 Days", readonly=True)
    funded_60 = fields.Float("Retainers in 60 Days", readonly=True)
    funded_90 = fields.Float("Retainers in 90 Days", readonly=True)
    fees_30 = fields.Float("Fees in 30 Days", readonly=True)
    fees_60 = fields.Float("Fees in 60 Days", readonly=True)
    fees_90 = fields.Float("Fees in 90 Days", readonly=True)
    lead_count = fields.Integer("Leads", readonly=True, aggregator="sum")

    @property
    def _table_query(self):
        table = self._forecast_table()
        rates = SQL(", ").join(
            SQL(
                "(%s, %s::float8, %s::float8,"
                " %s::float8[], %s::float8[], %s::float8[])",
                role,
                table[role]["rate"],
                table[role]["median_days"],
                *(
                    [round(p, 6) for p in table[role]["probabilities"][horizon]]
                    for horizon in flow.HORIZONS
                ),
            )
            for role in milestones.OPEN_ROLES
        )
        return SQL(
            """
            SELECT lead.id,
                   lead.id AS lead_id,
                   lead.create_date AS lead_create_date,
                   %(lead_columns)s,
                   lead.milestone_role AS milestone,
                   age.days AS days_in_milestone,
                   rate.rate AS funded_rate,
                   rate.median_days AS usual_days,
                   lead.expected_revenue,
                   COALESCE(rate.p30[age.day + 1], 0) AS funded_30,
                   COALESCE(rate.p60[age.day + 1], 0) AS funded_60,
                   COALESCE(rate.p90[age.day + 1], 0) AS funded_90,
                   COALESCE(rate.p30[age.day + 1], 0)
                       * COALESCE(lead.expected_revenue, 0) AS fees_30,
                   COALESCE(rate.p60[age.day + 1], 0)
                       * COALESCE(lead.expected_revenue, 0) AS fees_60,
                   COALESCE(rate.p90[age.day + 1], 0)
                       * COALESCE(lead.expected_revenue, 0) AS fees_90,
                   1 AS lead_count
              FROM crm_lead lead
              JOIN (VALUES %(rates)s)
                   AS rate(role, rate, median_days, p30, p60, p90)
                ON rate.role = lead.milestone_role
             CROSS JOIN LATERAL (
                   SELECT GREATEST(EXTRACT(EPOCH FROM %(now)s::timestamp
                          - COALESCE(lead.date_last_stage_update,
                                     lead.create_date)) / 86400.0, 0) AS days
                   ) AS raw_age
             CROSS JOIN LATERAL (
                   SELECT raw_age.days, FLOOR(raw_age.days)::int AS day
                   ) AS age
             WHERE lead.active
            """,
            lead_columns=self._lead_columns("lead"),
            rates=rates,
            now=self.env.cr.now(),
        )

    @api.model
    def _forecast_table(self):
        """lib/flow's forecast table from the history the user can read."""
        history = dict.fromkeys(milestones.OPEN_ROLES)
        for role in history:
            history[role] = [0, 0, {}]
        for role, day, count, funded in self._forecast_history():
            if day is None:
                history[role][0] = count
                history[role][1] = funded
            else:
                history[role][2][day] = count
        return flow.forecast_table(history)

    @api.model
    def _forecast_history(self):
        """(milestone, day, leads, funded) rows of the closed leads' history.

        With ``day`` empty: how many closed leads were in the milestone and
        how many of them were funded. With a day: how many funded leads took
        that many whole days from their last entry into the milestone to
        funding.

        The log marks each lead's last entry into a milestone (no later one:
        ``reentered_at`` empty) and, up to its last move into Retainer Funded,
        the days from there to that move (``funding_days``). A funded lead
        counts its stays up to that move; one without such a move (its stage
        took the role later) and the lost and refused count them all.
        """
        leads = self.env["crm.lead"].with_context(active_test=False)
        leads.flush_model(["stage_id", "milestone_role", "milestone_furthest"])
        self.env["crm.lead.milestone.log"].flush_model(
            ["lead_id", "to_role", "reentered_at", "funding_days"]
        )
        funded_role = milestones.RETAINER_FUNDED
        # Funded leads with a move into Retainer Funded; the other closed ones.
        funded = Domain("milestone_role", "=", funded_role) & Domain(
            "milestone_furthest", "=", funded_role
        )
        others = Domain("milestone_role", "in", self._closed_roles()) & ~funded
        lead_id = SQL.identifier(leads._table, "id")
        # Two simple groupings the planner can split among its workers.
        groups = self.env.execute_query(
            SQL(
                """
                SELECT log.to_role, TRUE, log.funding_days, COUNT(*)
                  FROM crm_lead_milestone_log log
                 WHERE log.funding_days IS NOT NULL
                   AND log.lead_id IN (%(funded)s)
                 GROUP BY 1, 3
                 UNION ALL
                SELECT log.to_role, FALSE, NULL, COUNT(*)
                  FROM crm_lead_milestone_log log
                 WHERE log.to_role IN %(open_roles)s
                   AND log.reentered_at IS NULL
                   AND log.lead_id IN (%(others)s)
                 GROUP BY 1
                """,
                funded=leads._search(funded).select(lead_id),
                others=leads._search(others).select(lead_id),
                open_roles=milestones.OPEN_ROLES,
            )
        )
        totals = {}
        rows = []
        for role, is_funded, day, count in groups:
            leads_count, funded_count = totals.get(role, (0, 0))
            totals[role] = (
                leads_count + count,
                funded_count + (count if is_funded else 0),
            )
            if is_funded:
                rows.append((role, day, count, count))
        return [
            (role, None, leads_count, funded_count)
            for role, (leads_count, funded_count) in totals.items()
        ] + rows

    @api.model
    def _closed_roles(self):
        return [milestones.RETAINER_FUNDED, *milestones.CLOSED_ROLES]
