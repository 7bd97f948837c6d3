"""Benchmark of the milestone reports against hand-written SQL.

``run(env, repeats=5)`` reads each report the way the pivot and graph views
do (``_read_group`` with their default grouping, as the admin user, so the
record rules apply) and times, side by side, the plainest SQL that gives the
same numbers. It returns (report, median report seconds, median SQL seconds,
ratio) rows; ``main()`` prints them for a database::

    python tools/bench_reports.py --database DB --addons-path PATHS
"""

import argparse
import statistics
import time

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

_INDEX = "CASE log.to_role {} ELSE -1 END".format(
    " ".join(f"WHEN '{role}' THEN {index}" for index, role in enumerate(MAIN_PATH))
)
# The multi-company rule, as the report applies it, on the lead.
_VISIBLE = "(lead.company_id = ANY(%(companies)s) OR lead.company_id IS NULL)"

# (report model, groupby, aggregates, plain SQL giving the same numbers)
CASES = (
    (
        "crm.milestone.funnel.report",
        ["milestone"],
        [
            "lead_count:sum",
            "previous_count:sum",
            "dropped_count:sum",
            "conversion_previous:avg",
            "conversion_top:avg",
        ],
        f"""
        SELECT reach.furthest, COUNT(*)
          FROM (SELECT log.lead_id, MAX({_INDEX}) AS furthest
                  FROM crm_lead_milestone_log log
                 GROUP BY log.lead_id) reach
          JOIN crm_lead lead ON lead.id = reach.lead_id
         WHERE reach.furthest >= 0 AND {_VISIBLE}
         GROUP BY reach.furthest
        """,
    ),
    (
        "crm.milestone.flow.report",
        ["from_milestone", "to_milestone"],
        ["__count", "lead_count:count_distinct"],
        f"""
        SELECT log.from_role, log.to_role, COUNT(*), COUNT(DISTINCT log.lead_id)
          FROM crm_lead_milestone_log log
          JOIN crm_lead lead ON lead.id = log.lead_id
         WHERE {_VISIBLE}
         GROUP BY 1, 2
        """,
    ),
    (
        "crm.milestone.outcome.report",
        ["last_milestone", "outcome"],
        ["lead_count:sum"],
        f"""
        SELECT reach.last_open, lead.milestone_role, COUNT(*)
          FROM (SELECT DISTINCT ON (log.lead_id) log.lead_id,
                       log.to_role AS last_open
                  FROM crm_lead_milestone_log log
                 WHERE log.to_role IN {MAIN_PATH[:-1]!r}
                 ORDER BY log.lead_id, log.date DESC, log.id DESC) reach
          JOIN crm_lead lead ON lead.id = reach.lead_id
         WHERE {_VISIBLE}
         GROUP BY 1, 2
        """,
    ),
    (
        "crm.milestone.stage.history.report",
        ["date:month", "milestone"],
        ["lead_count:sum"],
        None,  # the report's own SQL, run bare (see _stage_history_sql)
    ),
    (
        "crm.milestone.duration.report",
        ["milestone"],
        [
            "days:avg",
            "median_days:avg",
            "speed_to_lead_hours:avg",
            "speed_to_lead_median_hours:avg",
        ],
        f"""
        SELECT log.from_role, AVG(log.duration_days),
               PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY log.duration_days)
          FROM crm_lead_milestone_log log
          JOIN crm_lead lead ON lead.id = log.lead_id
         WHERE log.move_kind != 'entry' AND {_VISIBLE}
         GROUP BY 1;
        SELECT AVG(hours), PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY hours)
          FROM (SELECT DISTINCT ON (move.lead_id)
                       EXTRACT(EPOCH FROM move.date - entry.date) / 3600 AS hours
                  FROM (SELECT lead_id, MIN(date) AS date
                          FROM crm_lead_milestone_log
                         WHERE to_role = 'contact_info_received'
                         GROUP BY lead_id) entry
                  JOIN crm_lead_milestone_log move
                    ON move.lead_id = entry.lead_id AND move.date >= entry.date
                  JOIN crm_lead lead ON lead.id = move.lead_id
                 WHERE move.from_role = 'contact_info_received'
                   AND move.to_role IN {MAIN_PATH[2:-1]!r} AND {_VISIBLE}
                 ORDER BY move.lead_id, move.date, move.id) speed
        """,
    ),
    (
        "crm.milestone.forecast.report",
        ["milestone"],
        [
            "lead_count:sum",
            "funded_rate:avg",
            "usual_days:avg",
            "funded_30:sum",
            "funded_60:sum",
            "funded_90:sum",
            "fees_90:sum",
        ],
        None,  # history + open leads, the report's own two queries
    ),
)


def _median_seconds(func, repeats):
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _plain_sql(env, model, sql):
    """A callable running the plain SQL for ``model``."""
    cr = env.cr
    params = {"companies": env.companies.ids}
    if sql:
        return lambda: [cr.execute(part, params) for part in sql.split(";") if part]
    report = env[model]
    if model == "crm.milestone.forecast.report":

        def forecast():
            report._forecast_history()
            query = report._table_query
            cr.execute(
                f"SELECT milestone, COUNT(*) FROM ({query.code}) r GROUP BY 1",
                query.params,
            )

        return forecast

    def bare():
        query = report._table_query
        cr.execute(
            f"SELECT date_trunc('month', date), milestone, SUM(lead_count)"
            f"  FROM ({query.code}) r GROUP BY 1, 2",
            query.params,
        )

    return bare


def run(env, repeats=5):
    """Time each report's grouped read and its plain SQL; return rows of
    (report, median report seconds, median SQL seconds, ratio)."""
    admin = env.ref("base.user_admin")
    env = env(user=admin.id, context={**env.context, "tz": admin.tz or "UTC"})
    env.flush_all()
    rows = []
    for model, groupby, aggregates, sql in CASES:
        report = env[model]

        def read(report=report, groupby=groupby, aggregates=aggregates):
            report._read_group([], groupby, aggregates)
            report.env.invalidate_all()

        plain = _plain_sql(env, model, sql)
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
