"""Benchmark of the milestone reports against hand-written SQL.

``run(env, repeats=5)`` reads each report the way the pivot and graph views
do (``_read_group`` with their default grouping and filter, the measures and
``__count``, as the admin user, so the record rules apply) and times, side by
side, the plainest SQL that gives the same numbers: one GROUP BY over the
columns the module stores for it (the lead's furthest and last open
milestone; on the log, the stays, days to funding, speed to lead and each
lead's first row of a move, which counts distinct leads), with the
little arithmetic left (running sums, the funnel's ratios, the forecast's
probabilities from lib/flow) done in Python. It returns (report, median
report seconds, median SQL seconds, ratio) rows; ``main()`` prints them for a
database::

    python tools/bench_reports.py --database DB --addons-path PATHS
"""

import argparse
import statistics
import time
from collections import defaultdict

MAIN_PATH = (
    "awaiting_info",
    "contact_info_received",
    "contact_made",
    "appointment_made",
    "initial_consult",
    "retainer_signed",
    "retainer_funded",
)
OPEN_ROLES = (*MAIN_PATH[:-1], "waiting_on")
CLOSED_ROLES = ("retainer_funded", "lost", "refused")

# The multi-company rule, as the report applies it, on the lead.
_VISIBLE = "(lead.company_id = ANY(%(companies)s) OR lead.company_id IS NULL)"


def _funnel(cr, params, env):
    cr.execute(
        f"""
        SELECT lead.milestone_furthest, COUNT(*)
          FROM crm_lead lead
         WHERE lead.milestone_furthest IS NOT NULL AND {_VISIBLE}
         GROUP BY 1
        """,
        params,
    )
    # Leads reached every milestone up to their furthest one.
    furthest = dict(cr.fetchall())
    reached, total = {}, 0
    for role in reversed(MAIN_PATH):
        total += furthest.get(role, 0)
        reached[role] = total
    previous = reached[MAIN_PATH[0]]
    steps = []
    for role in MAIN_PATH:
        steps.append((role, reached[role], previous, previous - reached[role]))
        previous = reached[role]
    return steps


def _flow(cr, params, env):
    cr.execute(
        f"""
        SELECT log.move_kind = 'entry', log.from_role, log.to_role, COUNT(*),
               COUNT(*) FILTER (WHERE log.move_first)
          FROM crm_lead_milestone_log log
          JOIN crm_lead lead ON lead.id = log.lead_id
         WHERE {_VISIBLE}
         GROUP BY 1, 2, 3
        """,
        params,
    )
    return cr.fetchall()


def _outcome(cr, params, env):
    cr.execute(
        f"""
        SELECT lead.milestone_last_open, lead.milestone_role, COUNT(*)
          FROM crm_lead lead
         WHERE lead.milestone_move_count > 0 AND {_VISIBLE}
         GROUP BY 1, 2
        """,
        params,
    )
    return cr.fetchall()


def _stage_history(cr, params, env):
    report = env["crm.milestone.stage.history.report"]
    cr.execute("SELECT MIN(date) FROM crm_lead_milestone_log")
    first = cr.fetchone()[0]
    bounds, dates = report._period_ends(
        "month", first, env.cr.now().replace(tzinfo=None)
    )
    # The stays that cover a period end, by milestone, first and last one.
    cr.execute(
        f"""
        SELECT stays.role, stays.first_end, stays.last_end, COUNT(*)
          FROM (SELECT log.lead_id, log.to_role AS role,
                       width_bucket(log.date, %(bounds)s::timestamp[]) + 1
                           AS first_end,
                       COALESCE(width_bucket(log.left_at, %(bounds)s::timestamp[]),
                                %(count)s) AS last_end
                  FROM crm_lead_milestone_log log
                 WHERE log.to_role IN %(open_roles)s
                OFFSET 0) stays
          JOIN crm_lead lead ON lead.id = stays.lead_id
         WHERE stays.last_end >= stays.first_end AND {_VISIBLE}
         GROUP BY 1, 2, 3
        """,
        {**params, "bounds": bounds, "count": len(bounds), "open_roles": OPEN_ROLES},
    )
    # Each is in from its first period end to its last one.
    deltas = defaultdict(int)
    for role, first_end, last_end, stays in cr.fetchall():
        deltas[role, first_end] += stays
        deltas[role, last_end + 1] -= stays
    counts = defaultdict(int)
    for role in OPEN_ROLES:
        running = 0
        for bucket in range(1, len(bounds) + 1):
            running += deltas[role, bucket]
            if running:
                counts[dates[bucket - 1].replace(day=1), role] += running
    return counts


def _duration(cr, params, env):
    cr.execute(
        f"""
        SELECT log.from_role, COUNT(*), AVG(log.duration_days),
               PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY log.duration_days),
               AVG(log.speed_to_lead_hours),
               PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY log.speed_to_lead_hours)
          FROM crm_lead_milestone_log log
          JOIN crm_lead lead ON lead.id = log.lead_id
         WHERE log.move_kind != 'entry' AND {_VISIBLE}
         GROUP BY 1
        """,
        params,
    )
    return cr.fetchall()


def _forecast(cr, params, env):
    from odoo.addons.crm_law_milestones.lib import flow

    # The closed leads' stays, and the days to funding of the funded ones.
    cr.execute(
        f"""
        SELECT log.to_role, lead.funded,
               CASE WHEN lead.funded THEN log.funding_days END, COUNT(*)
          FROM crm_lead_milestone_log log
          JOIN (SELECT lead.id,
                       lead.milestone_role = 'retainer_funded'
                       AND lead.milestone_furthest = 'retainer_funded' AS funded
                  FROM crm_lead lead
                 WHERE lead.milestone_role IN %(closed)s AND {_VISIBLE}) lead
            ON lead.id = log.lead_id
         WHERE log.to_role IN %(open_roles)s
           AND CASE WHEN lead.funded THEN log.funding_days IS NOT NULL
                    ELSE log.reentered_at IS NULL END
         GROUP BY 1, 2, 3
        """,
        {**params, "closed": CLOSED_ROLES, "open_roles": OPEN_ROLES},
    )
    history = {role: [0, 0, {}] for role in OPEN_ROLES}
    for role, funded, day, count in cr.fetchall():
        history[role][0] += count
        if funded:
            history[role][1] += count
            history[role][2][day] = count
    table = flow.forecast_table(history)
    # The open leads by milestone and whole days in it.
    cr.execute(
        f"""
        SELECT lead.milestone_role,
               FLOOR(GREATEST(EXTRACT(EPOCH FROM %(now)s::timestamp
                     - COALESCE(lead.date_last_stage_update, lead.create_date))
                     / 86400.0, 0))::int,
               COUNT(*), SUM(COALESCE(lead.expected_revenue, 0))
          FROM crm_lead lead
         WHERE lead.active AND lead.milestone_role IN %(open_roles)s AND {_VISIBLE}
         GROUP BY 1, 2
        """,
        {**params, "now": env.cr.now(), "open_roles": OPEN_ROLES},
    )
    totals = defaultdict(float)
    for role, day, count, fees in cr.fetchall():
        for horizon in flow.HORIZONS:
            chances = table[role]["probabilities"][horizon]
            chance = round(chances[day], 6) if day < len(chances) else 0.0
            totals[role, horizon] += count * chance
            totals[role, "fees", horizon] += fees * chance
    return table, totals


# (report model, domain, groupby, aggregates, plain SQL giving the same numbers)
CASES = (
    (
        "crm.milestone.funnel.report",
        [],
        ["milestone"],
        [
            "lead_count:sum",
            "previous_count:sum",
            "dropped_count:sum",
            "conversion_previous:avg",
            "conversion_top:avg",
            "__count",
        ],
        _funnel,
    ),
    (
        "crm.milestone.flow.report",
        [],
        ["from_milestone", "to_milestone"],
        ["__count", "lead_count:count_distinct"],
        _flow,
    ),
    (
        "crm.milestone.outcome.report",
        [],
        ["last_milestone", "outcome"],
        ["lead_count:sum", "__count"],
        _outcome,
    ),
    (
        # The action opens on month ends.
        "crm.milestone.stage.history.report",
        [("period", "=", "month")],
        ["date:month", "milestone"],
        ["lead_count:sum", "__count"],
        _stage_history,
    ),
    (
        "crm.milestone.duration.report",
        [],
        ["milestone"],
        [
            "days:avg",
            "median_days:avg",
            "speed_to_lead_hours:avg",
            "speed_to_lead_median_hours:avg",
            "__count",
        ],
        _duration,
    ),
    (
        "crm.milestone.forecast.report",
        [],
        ["milestone"],
        [
            "lead_count:sum",
            "funded_rate:avg",
            "usual_days:avg",
            "funded_30:sum",
            "funded_60:sum",
            "funded_90:sum",
            "fees_90:sum",
            "__count",
        ],
        _forecast,
    ),
)


def _median_seconds(func, repeats):
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def run(env, repeats=5):
    """Time each report's grouped read and its plain SQL; return rows of
    (report, median report seconds, median SQL seconds, ratio)."""
    admin = env.ref("base.user_admin")
    env = env(user=admin.id, context={**env.context, "tz": admin.tz or "UTC"})
    env.flush_all()
    params = {"companies": env.companies.ids}
    rows = []
    for model, domain, groupby, aggregates, sql in CASES:
        report = env[model]

        def read(report=report, domain=domain, groupby=groupby, aggregates=aggregates):
            report._read_group(domain, groupby, aggregates)
            report.env.invalidate_all()

        def plain(sql=sql):
            sql(env.cr, params, env)

        read()  # warm-up: registry, caches, PostgreSQL's buffers
        plain()
        report_seconds = _median_seconds(read, repeats)
        sql_seconds = _median_seconds(plain, repeats)
        rows.append(
            (
                model,
                report_seconds,
                sql_seconds,
                report_seconds / sql_seconds if sql_seconds else float("inf"),
            )
        )
    return rows


def print_rows(rows, out=None):
    print(f"{'report':<38} {'report s':>9} {'SQL s':>9} {'ratio':>6}", file=out)
    for model, report_seconds, sql_seconds, ratio in rows:
        print(
            f"{model:<38} {report_seconds:>9.3f} {sql_seconds:>9.3f} {ratio:>6.2f}",
            file=out,
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", "-d", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        ["--addons-path", args.addons_path, "--database", args.database],
        setup_logging=True,
    )
    with Registry(args.database).cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        print_rows(run(env, args.repeats))
        cr.rollback()


if __name__ == "__main__":
    main()
