from datetime import datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.orm.domains import DomainAnd, DomainCondition
from odoo.tools import SQL
from odoo.tools.misc import get_lang

from ..lib import milestones
from .crm_milestone_report_mixin import LEAD_COLUMNS

PERIOD_SELECTION = [("week", "Week ends"), ("month", "Month ends")]
# Context key of the periods a grouped read's domain allows.
PERIODS = "crm_milestone_periods"


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
    one away, and a running sum gives the count at each period end. The log
    keeps when each stay ended (``left_at``).

    A grouped read (the graph, the pivot) gets rows carrying only the fields
    it groups, filters or is restricted on (the record rules' salesperson and
    company), and only the periods its domain allows: the same counts, in
    far fewer rows.
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
        "crm.lead.milestone.log": ["lead_id", "date", "to_role", "left_at"],
    }
    _grouped_aggregates = frozenset({"__count", "lead_count:sum"})
    _grouped_fields = frozenset({"date", "period", "milestone", *LEAD_COLUMNS})

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

    @api.model
    def _read_group_context(self, domain, groupby, aggregates, having, order):
        # Week ends or month ends (the two filters of the views): the other
        # period's rows need not be built.
        context = super()._read_group_context(
            domain, groupby, aggregates, having, order
        )
        if periods := self._domain_periods(domain):
            context[PERIODS] = periods
        return context

    @api.model
    def _domain_periods(self, domain):
        """The periods a domain's top-level conditions allow, None for all."""
        domain = Domain(domain)
        conditions = domain.children if isinstance(domain, DomainAnd) else [domain]
        periods = {period for period, _label in PERIOD_SELECTION}
        for condition in conditions:
            if (
                isinstance(condition, DomainCondition)
                and condition.field_expr == "period"
            ):
                if condition.operator == "=":
                    periods &= {condition.value}
                elif condition.operator == "in":
                    periods &= set(condition.value)
        return tuple(sorted(periods)) if len(periods) < len(PERIOD_SELECTION) else None

    @property
    def _table_query(self):
        log = self.env["crm.lead.milestone.log"]
        log.flush_model(["date"])
        first = self.env.execute_query(
            SQL("SELECT MIN(date) FROM crm_lead_milestone_log")
        )[0][0]
        now = self.env.cr.now().replace(tzinfo=None)
        periods = self.env.context.get(PERIODS) or [
            period for period, _label in PERIOD_SELECTION
        ]
        ends = {
            period: self._period_ends(period, first, now) if first else ([], [])
            for period in periods
        }
        # The lead's fields the rows carry: all of them, or those a grouped
        # read needs.
        read_fields = self._read_fields()
        kept = [
            name for name in LEAD_COLUMNS if read_fields is None or name in read_fields
        ]
        dims = SQL("").join(SQL(", %s", SQL.identifier(name)) for name in kept)
        # The period ends each stay covers, for every period at once: from the
        # first end after it started to the last end before (or at) it ended.
        # A lead that left at the stroke of midnight was still there at the
        # end of the day.
        buckets = SQL("").join(
            SQL(
                """,
                width_bucket(log.date, %(bounds)s::timestamp[]) + 1
                    AS %(first)s,
                COALESCE(width_bucket(log.left_at, %(bounds)s::timestamp[]),
                         %(count)s) AS %(last)s""",
                bounds=bounds,
                count=len(bounds),
                first=SQL.identifier(f"first_{period}"),
                last=SQL.identifier(f"last_{period}"),
            )
            for period, (bounds, _dates) in ends.items()
        )
        # +1 from a stay's first period end, -1 after its last one; stays
        # between two period ends (most of them) cover none and drop out.
        changes = SQL(", ").join(
            SQL(
                "(%(period)s, grouped.%(first)s, grouped.stays,"
                " grouped.%(last)s >= grouped.%(first)s),"
                " (%(period)s, grouped.%(last)s + 1, -grouped.stays,"
                " grouped.%(last)s >= grouped.%(first)s)",
                period=period,
                first=SQL.identifier(f"first_{period}"),
                last=SQL.identifier(f"last_{period}"),
            )
            for period in ends
        )
        return SQL(
            """
            WITH spans AS (
                -- Stays alike in milestone, lead fields and period ends
                -- count together; those between two period ends (most of
                -- them) cover none and need no lead. OFFSET 0 keeps the
                -- buckets computed once.
                SELECT stays.* %(lead_dims)s
                  FROM (
                        SELECT log.lead_id, log.to_role AS role %(buckets)s
                          FROM crm_lead_milestone_log log
                         WHERE log.to_role IN %(open_roles)s
                        OFFSET 0
                       ) stays
                  %(join)s
                 WHERE %(covers)s
            ),
            grouped AS (
                SELECT role %(dims)s %(bucket_names)s, COUNT(*) AS stays
                  FROM spans
                 GROUP BY %(span_groups)s
            ),
            deltas AS (
                SELECT change.period, grouped.role %(dims)s, change.bucket,
                       SUM(change.delta) AS delta
                  FROM grouped
                 CROSS JOIN LATERAL (VALUES %(changes)s)
                       AS change(period, bucket, delta, covers)
                 WHERE change.covers
                 GROUP BY %(delta_groups)s
            ),
            counts AS (
                -- The running sum holds from each bucket with a change to the
                -- next one.
                SELECT deltas.*,
                       SUM(deltas.delta) OVER run AS lead_count,
                       LEAD(deltas.bucket) OVER run AS next_bucket
                  FROM deltas
                WINDOW run AS (PARTITION BY deltas.period, deltas.role %(dims)s
                               ORDER BY deltas.bucket)
            )
            SELECT ROW_NUMBER() OVER (ORDER BY counts.period, grid.bucket,
                                      counts.role %(dims)s) AS id,
                   ends.dates[grid.bucket] AS date,
                   counts.period,
                   counts.role AS milestone,
                   %(columns)s,
                   counts.lead_count::int AS lead_count
              FROM counts
              JOIN (VALUES %(ends)s) AS ends(period, size, dates)
                ON ends.period = counts.period
              -- A series of constant length: the planner knows its size,
              -- where one per row would be guessed at a thousand.
              JOIN generate_series(1, %(size)s) AS grid(bucket)
                ON grid.bucket >= counts.bucket
               AND grid.bucket < COALESCE(counts.next_bucket, ends.size + 1)
               AND grid.bucket <= ends.size
             WHERE counts.lead_count <> 0
            """,
            lead_dims=SQL("").join(
                SQL(", %s AS %s", SQL.identifier("lead", name), SQL.identifier(name))
                for name in kept
            ),
            buckets=buckets,
            join=SQL("JOIN crm_lead lead ON lead.id = stays.lead_id")
            if kept
            else SQL(),
            covers=SQL(" OR ").join(
                SQL(
                    "stays.%s >= stays.%s",
                    SQL.identifier(f"last_{period}"),
                    SQL.identifier(f"first_{period}"),
                )
                for period in ends
            ),
            bucket_names=SQL("").join(
                SQL(
                    ", %s, %s",
                    SQL.identifier(f"first_{period}"),
                    SQL.identifier(f"last_{period}"),
                )
                for period in ends
            ),
            open_roles=milestones.OPEN_ROLES,
            # By position: the milestone, the lead's fields kept, then the
            # first and last end of each period (or the change's bucket).
            span_groups=self._positions(1 + len(kept) + 2 * len(ends)),
            delta_groups=self._positions(3 + len(kept)),
            dims=dims,
            changes=changes,
            size=max(len(dates) for _bounds, dates in ends.values()),
            ends=SQL(", ").join(
                SQL("(%s, %s, %s::date[])", period, len(dates), dates)
                for period, (_bounds, dates) in ends.items()
            ),
            columns=self._lead_columns_kept("counts", kept),
        )

    @api.model
    def _positions(self, count):
        return SQL(", ".join(str(position) for position in range(1, count + 1)))
