from datetime import datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import get_lang

from ..lib import milestones
from .crm_milestone_report_mixin import LEAD_COLUMNS

PERIOD_SELECTION = [("week", "Week ends"), ("month", "Month ends")]


class CrmMilestoneStageHistoryReport(models.Model):
    """How many open leads sat in each milestone at the end of each week and
    of each month, rebuilt from the transition log (no snapshots).

    A lead is in a milestone from the log row that took it there until its
    next row. A period ends at the user's local midnight starting the next
    week (the language's first day of week) or month; only ended periods are
    shown. Rather than one row per lead and period end (millions on a large
    firm), each row holds the count for one period end, milestone, team,
    salesperson, source, practice area and company: every entry into a
    milestone adds one from the first period end after it, every exit takes
    one away, and a running sum gives the count at each period end.
    """

    _name = "crm.milestone.stage.history.report"
    _inherit = ["crm.milestone.report.mixin"]
    _description = "Milestones Over Time"
    _auto = False
    _order = "date desc, period, milestone"
    _rec_name = "milestone"
    _depends = {
        "crm.lead": [
            *LEAD_COLUMNS,
        ],
        "crm.lead.milestone.log": ["lead_id", "date", "to_role"],
    }

    date = fields.Date("Period End", readonly=True)
    period = fields.Selection(PERIOD_SELECTION, readonly=True)
    milestone = fields.Selection("_selection_milestone", readonly=True)
    lead_count = fields.Integer("Open Leads", readonly=True, aggregator="sum")

    @api.model
    def _period_ends(self, period, first, now):
        """(boundaries, dates) of the periods that ended between ``first``
        and ``now`` (naive UTC): each boundary is the local midnight starting
        the next period, in naive UTC, and its date the period's last day."""
        tz = self._user_timezone()
        local_first = pytz.utc.localize(first).astimezone(tz).date()
        local_now = pytz.utc.localize(now).astimezone(tz).replace(tzinfo=None)
        if period == "week":
            week_start = int(get_lang(self.env).week_start) - 1  # 0 = Monday
            day = local_first + timedelta(days=(week_start - local_first.weekday()) % 7)
            if day == local_first:
                day += timedelta(days=7)
            step = relativedelta(weeks=1)
        else:
            day = local_first.replace(day=1) + relativedelta(months=1)
            step = relativedelta(months=1)
        boundaries, dates = [], []
        while datetime.combine(day, time.min) <= local_now:
            local = tz.localize(datetime.combine(day, time.min))
            boundaries.append(local.astimezone(pytz.utc).replace(tzinfo=None))
            dates.append(day - timedelta(days=1))
            day += step
        return boundaries, dates

    @property
    def _table_query(self):
        log = self.env["crm.lead.milestone.log"]
        log.flush_model(["date"])
        first = self.env.execute_query(
            SQL("SELECT MIN(date) FROM crm_lead_milestone_log")
        )[0][0]
        now = self.env.cr.now().replace(tzinfo=None)
        weeks = months = ([], [])
        if first:
            weeks = self._period_ends("week", first, now)
            months = self._period_ends("month", first, now)
        return SQL(
            """
            WITH ends AS (
                SELECT 'week' AS period, %(week_bounds)s::timestamp[] AS bounds,
                       %(week_dates)s::date[] AS dates
                 UNION ALL
                SELECT 'month', %(month_bounds)s::timestamp[], %(month_dates)s::date[]
            ),
            stays AS (
                SELECT log.lead_id,
                       log.to_role AS role,
                       log.date AS started,
                       LEAD(log.date) OVER (
                           PARTITION BY log.lead_id ORDER BY log.date, log.id
                       ) AS ended
                  FROM crm_lead_milestone_log log
            ),
            spans AS (
                -- The period ends a stay covers: from the first end after
                -- it started to the last end before (or at) it ended. A lead
                -- that left at the stroke of midnight was still there at the
                -- end of the day.
                SELECT stays.lead_id, stays.role, ends.period,
                       width_bucket(stays.started, ends.bounds) + 1 AS first_end,
                       COALESCE(width_bucket(stays.ended, ends.bounds),
                                cardinality(ends.bounds)) AS last_end
                  FROM stays
                 CROSS JOIN ends
                 WHERE stays.role IN %(open_roles)s
            ),
            buckets AS (
                -- +1 from a stay's first period end, -1 after its last one;
                -- stays between two period ends (most of them) drop out.
                SELECT spans.period, change.bucket, spans.role,
                       COALESCE(lead.team_id, 0) AS team_id,
                       COALESCE(lead.user_id, 0) AS user_id,
                       COALESCE(lead.source_id, 0) AS source_id,
                       COALESCE(lead.practice_area_id, 0) AS practice_area_id,
                       COALESCE(lead.company_id, 0) AS company_id,
                       SUM(change.delta) AS delta
                  FROM spans
                  JOIN crm_lead lead ON lead.id = spans.lead_id
                 CROSS JOIN LATERAL (
                       VALUES (spans.first_end, 1), (spans.last_end + 1, -1)
                       ) AS change(bucket, delta)
                 WHERE spans.last_end >= spans.first_end
                 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
            ),
            combos AS (
                SELECT period, role, team_id, user_id, source_id,
                       practice_area_id, company_id, MIN(bucket) AS first_bucket
                  FROM buckets
                 GROUP BY 1, 2, 3, 4, 5, 6, 7
            ),
            counts AS (
                SELECT combos.period, grid.bucket, combos.role,
                       combos.team_id, combos.user_id, combos.source_id,
                       combos.practice_area_id, combos.company_id,
                       SUM(COALESCE(buckets.delta, 0)) OVER (
                           PARTITION BY combos.period, combos.role,
                                        combos.team_id, combos.user_id,
                                        combos.source_id,
                                        combos.practice_area_id,
                                        combos.company_id
                           ORDER BY grid.bucket
                       ) AS lead_count
                  FROM combos
                  JOIN ends ON ends.period = combos.period
                 CROSS JOIN LATERAL generate_series(
                       combos.first_bucket, cardinality(ends.bounds)) AS grid(bucket)
                  LEFT JOIN buckets
                         ON buckets.period = combos.period
                        AND buckets.bucket = grid.bucket
                        AND buckets.role = combos.role
                        AND buckets.team_id = combos.team_id
                        AND buckets.user_id = combos.user_id
                        AND buckets.source_id = combos.source_id
                        AND buckets.practice_area_id = combos.practice_area_id
                        AND buckets.company_id = combos.company_id
            )
            SELECT ROW_NUMBER() OVER (ORDER BY counts.period, counts.bucket,
                                      counts.role, counts.team_id,
                                      counts.user_id, counts.source_id,
                                      counts.practice_area_id,
                                      counts.company_id) AS id,
                   ends.dates[counts.bucket] AS date,
                   counts.period,
                   counts.role AS milestone,
                   NULLIF(counts.team_id, 0) AS team_id,
                   NULLIF(counts.user_id, 0) AS user_id,
                   NULLIF(counts.source_id, 0) AS source_id,
                   NULLIF(counts.practice_area_id, 0) AS practice_area_id,
                   NULLIF(counts.company_id, 0) AS company_id,
                   counts.lead_count::int AS lead_count
              FROM counts
              JOIN ends ON ends.period = counts.period
             WHERE counts.lead_count <> 0
            """,
            week_bounds=weeks[0],
            week_dates=weeks[1],
            month_bounds=months[0],
            month_dates=months[1],
            open_roles=milestones.OPEN_ROLES,
        )
