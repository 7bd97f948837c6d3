#!/usr/bin/env python3
"""Benchmark: the addon against plain crm on the same data, side by side.

    tools/clm bench [--leads 100000] [--repeats 5] [--keep]

Builds two throwaway databases from one set of leads:

* ``clm_bench_plain``: crm only, the leads inserted in bulk;
* ``clm_bench_addon``: a copy of it on which the addon is then installed,
  which times the install with its log backfill on that many leads; each lead
  then gets a back-dated history so the log holds about six rows a lead.

Both are vacuumed and analyzed before any timing. Then it times, with
medians of several runs and the addon/plain ratio:
a bulk write moving 10k leads to the next stage, one kanban drag (web_save),
and the grouped read that opens the pipeline kanban.

Report, conflict-search and export figures come from the bench_* modules next
to this file, run on a third database, ``clm_bench_firm``: the sample firm
(tools/sample_firm.py) loaded at the same number of leads, so the reports
read a realistic history rather than synthetic rows. Its loading time is in
the table; ``--firm-db NAME`` reuses a database already loaded that way.
``--step writes`` runs only the first part, ``--step firm`` only the second
(with ``--firm-db``, on a database kept from an earlier run), ``--step xlsx``
only the intake workbook export (tools/bench_xlsx.py: time and peak memory,
measured in a child process). Each figure is printed as soon as it is
measured.
Everything prints as one table; nothing here is a test.
"""

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
PLAIN_DB = "clm_bench_plain"
ADDON_DB = "clm_bench_addon"
FIRM_DB = "clm_bench_firm"
STAGE_NAMES = (
    "Awaiting Info",
    "Contact Info Received",
    "Contact Made",
    "Appointment Made",
    "Initial Consult",
    "Retainer Signed",
)
SOURCES = ("Referral", "Website form", "Google Ads", "Legal directory")


def say(message):
    print(f"[bench] {message}", flush=True)


def odoo_bin(args, *extra):
    command = [
        sys.executable,
        str(Path(args.odoo) / "odoo-bin"),
        "--addons-path",
        args.addons_path,
        "--log-level=warn",
        "--stop-after-init",
        *extra,
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def dropdb(name):
    subprocess.run(["dropdb", "--if-exists", name], check=True)


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def insert_leads(env, count):
    """``count`` opportunities in bulk, spread over six open stages.

    Plain SQL on purpose: both databases must hold exactly the same rows, and
    the ORM would make loading the slowest part of the benchmark.
    """
    stage_ids = []
    for sequence, name in enumerate(STAGE_NAMES, start=1):
        stage = env["crm.stage"].search([("name", "=", name)], limit=1)
        stage_ids.append(
            stage.id or env["crm.stage"].create({"name": name, "sequence": sequence}).id
        )
    team = env["crm.team"].search([], limit=1)
    users = env["res.users"].search([("share", "=", False)], limit=5)
    env.cr.execute(
        """
        INSERT INTO crm_lead (
            name, type, active, stage_id, team_id, user_id, company_id,
            probability, expected_revenue, priority, email_from, contact_name,
            date_last_stage_update, create_date, write_date, create_uid,
            write_uid, won_status)
        SELECT 'PNC ' || n, 'opportunity', TRUE,
               (%(stages)s)[1 + n %% %(stage_count)s], %(team)s,
               (%(users)s)[1 + n %% %(user_count)s], 1,
               10, 1000 + (n %% 50) * 500, '0',
               'pnc' || n || '@example.com', 'Client ' || n,
               NOW() - (n %% 365) * INTERVAL '1 day',
               NOW() - (n %% 365) * INTERVAL '1 day', NOW(), 1, 1, 'pending'
          FROM generate_series(1, %(count)s) AS n
        """,
        {
            "stages": stage_ids,
            "stage_count": len(stage_ids),
            "team": team.id,
            "users": users.ids,
            "user_count": len(users),
            "count": count,
        },
    )
    env.cr.execute("ANALYZE crm_lead")


def give_stages_their_roles(env):
    """On the addon database the bulk leads sit in the plain stages created
    before the install: move them to the milestone stages of the same name
    and drop the plain ones, as an admin mapping stages would."""
    env.cr.execute(
        """
        UPDATE crm_lead lead
           SET stage_id = milestone.id
          FROM crm_stage plain, crm_stage milestone
         WHERE lead.stage_id = plain.id
           AND plain.milestone_role IS NULL
           AND milestone.milestone_role IS NOT NULL
           AND milestone.name->>'en_US' = plain.name->>'en_US'
        """
    )
    env.cr.execute(
        """
        UPDATE crm_lead_milestone_log log
           SET to_stage_id = lead.stage_id, to_role = stage.milestone_role
          FROM crm_lead lead JOIN crm_stage stage ON stage.id = lead.stage_id
         WHERE log.lead_id = lead.id
        """
    )
    env.cr.execute(
        """
        DELETE FROM crm_stage stage
         WHERE stage.milestone_role IS NULL
           AND NOT EXISTS (SELECT 1 FROM crm_lead WHERE stage_id = stage.id)
        """
    )


def vacuum(name):
    """VACUUM ANALYZE a database after loading, as autovacuum would soon do
    on a live server: the bulk loads and the stage UPDATE above leave dead
    rows and planner statistics of the stages before the move."""
    subprocess.run(["vacuumdb", "--analyze", "--quiet", name], check=True)


def add_history(env, rows_per_lead=5):
    """Back-dated moves before each lead's entry row: ~6 log rows a lead."""
    env.cr.execute(
        """
        INSERT INTO crm_lead_milestone_log (
            lead_id, date, user_id, from_stage_id, to_stage_id, from_role,
            to_role, move_kind, duration_days, company_id, team_id,
            salesperson_id, create_uid, create_date, write_uid, write_date)
        SELECT log.lead_id, log.date - step * INTERVAL '2 days', log.user_id,
               log.to_stage_id, log.to_stage_id, log.to_role, log.to_role,
               'other', 2, log.company_id, log.team_id, log.salesperson_id,
               1, NOW(), 1, NOW()
          FROM crm_lead_milestone_log log
         CROSS JOIN generate_series(1, %(rows)s) AS step
         WHERE log.move_kind = 'entry'
        """,
        {"rows": rows_per_lead},
    )
    env.cr.execute("ANALYZE crm_lead_milestone_log")


# ---------------------------------------------------------------------------
# Timings
# ---------------------------------------------------------------------------


def median_seconds(registry, work, repeats):
    """Median wall time of ``work(env)``, each run rolled back."""
    from odoo import api

    timings = []
    for _run in range(repeats):
        with registry.cursor() as cr:
            env = api.Environment(cr, 2, {"tracking_disable": False})
            env.invalidate_all()
            started = time.perf_counter()
            work(env)
            env.flush_all()
            timings.append(time.perf_counter() - started)
            cr.rollback()
    return statistics.median(timings)


def stage_ids_by_name(env):
    stages = env["crm.stage"].search([("name", "in", STAGE_NAMES)])
    return {stage.name: stage.id for stage in stages}


def bulk_move(env, size=10_000):
    stages = stage_ids_by_name(env)
    leads = env["crm.lead"].search(
        [("stage_id", "=", stages["Contact Made"])], limit=size, order="id"
    )
    leads.write({"stage_id": stages["Appointment Made"]})


def kanban_drag(env):
    stages = stage_ids_by_name(env)
    lead = env["crm.lead"].search(
        [("stage_id", "=", stages["Initial Consult"])], limit=1, order="id"
    )
    lead.web_save({"stage_id": stages["Retainer Signed"]}, {"display_name": {}})


def open_pipeline(env):
    env["crm.lead"].with_context(default_type="opportunity").web_read_group(
        [("type", "=", "opportunity")],
        ["stage_id"],
        ["expected_revenue:sum", "recurring_revenue_monthly:sum"],
        auto_unfold=True,
        unfold_read_specification={
            "name": {},
            "expected_revenue": {},
            "stage_id": {"fields": {"display_name": {}}},
            "user_id": {"fields": {"display_name": {}}},
            "activity_state": {},
            "priority": {},
        },
        unfold_read_default_limit=80,
    )


def load_sample_firm(args):
    """Install the addon on FIRM_DB and load the sample firm into it."""
    dropdb(FIRM_DB)
    say(f"installing the addon on {FIRM_DB}")
    install_seconds = odoo_bin(args, "-d", FIRM_DB, "-i", "crm_law_milestones")
    say(f"loading the sample firm ({args.leads} leads) into {FIRM_DB}")
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(TOOLS / "sample_firm.py"),
            "--database",
            FIRM_DB,
            "--addons-path",
            args.addons_path,
            "--leads",
            str(args.leads),
            "--seed",
            str(args.seed),
        ],
        check=True,
    )
    load_seconds = time.perf_counter() - started
    vacuum(FIRM_DB)
    return [
        ("sample firm: install on an empty database", install_seconds, None, None),
        (f"sample firm: load {args.leads} leads", load_seconds, None, None),
    ]


def xlsx_step(args):
    """``--step xlsx``: the intake workbook export alone, on the sample firm."""
    import bench_xlsx

    firm_db = args.firm_db or FIRM_DB
    if not args.firm_db:
        for label, seconds, _baseline, _ratio in load_sample_firm(args):
            say(f"{label}: {seconds:.1f} s")
    say(bench_xlsx.describe(bench_xlsx.measure(firm_db, args.addons_path)))
    if not args.firm_db and not args.keep:
        dropdb(FIRM_DB)


def write_benchmarks(args):
    """Install, backfill and stage changes: the addon against plain crm on
    the same leads. Returns table rows."""
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    table = []
    for name in (PLAIN_DB, ADDON_DB):
        dropdb(name)
    say(f"installing crm on {PLAIN_DB}")
    odoo_bin(args, "-d", PLAIN_DB, "-i", "crm")
    say(f"inserting {args.leads} leads")
    with Registry(PLAIN_DB).cursor() as cr:
        insert_leads(api.Environment(cr, 1, {}), args.leads)
    # A template database must have no open connection.
    odoo.sql_db.close_db(PLAIN_DB)
    subprocess.run(["createdb", "-T", PLAIN_DB, ADDON_DB], check=True)

    say(f"installing the addon on {ADDON_DB} ({args.leads} leads to backfill)")
    install_seconds = odoo_bin(args, "-d", ADDON_DB, "-i", "crm_law_milestones")
    table.append(report(("install with log backfill", install_seconds, None, None)))
    with Registry(ADDON_DB).cursor() as cr:
        env = api.Environment(cr, 1, {})
        give_stages_their_roles(env)
        add_history(env)
        env["crm.lead.milestone.log"]._refresh_summary()
        cr.execute("SELECT count(*) FROM crm_lead_milestone_log")
        say(f"log rows: {cr.fetchone()[0]}")
    for name in (PLAIN_DB, ADDON_DB):
        odoo.sql_db.close_db(name)
        vacuum(name)

    plain, addon = Registry(PLAIN_DB), Registry(ADDON_DB)
    for label, work in (
        ("bulk write moving 10k leads", bulk_move),
        ("one kanban drag (web_save)", kanban_drag),
        ("pipeline kanban grouped read", open_pipeline),
    ):
        say(label)
        baseline = median_seconds(plain, work, args.repeats)
        ours = median_seconds(addon, work, args.repeats)
        table.append(report((label, ours, baseline, ours / baseline)))
    for name in (PLAIN_DB, ADDON_DB):
        odoo.sql_db.close_db(name)
    return table


def firm_benchmarks(args):
    """Reports, conflict search and export on the sample firm (loaded at
    --leads unless --firm-db names one). Returns table rows."""
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    table = []
    if not args.firm_db:
        table.extend(report(row) for row in load_sample_firm(args))
    registry = Registry(args.firm_db or FIRM_DB)
    for path in sorted(TOOLS.glob("bench_*.py")):
        module = importlib.import_module(path.stem)
        say(f"running {path.name}")
        # A transaction of its own, rolled back: what one module adds (the
        # conflict search's contacts, and the lock of its ANALYZE) must not
        # reach the next, nor block autovacuum while the export runs in a
        # child process.
        with registry.cursor() as cr:
            try:
                rows = module.run(api.Environment(cr, 2, {}), args.repeats)
                table.extend(report(row) for row in rows)
            except Exception as error:  # one failure: the rest still prints
                say(f"{path.name} failed: {error!r}")
            cr.rollback()
    odoo.sql_db.close_db(args.firm_db or FIRM_DB)
    return table


def report(row):
    """Say a table row as soon as it is measured, and return it."""
    label, seconds, baseline, ratio = row
    against = f" (baseline {baseline:.3f} s, x{ratio:.2f})" if baseline else ""
    say(f"{label}: {seconds:.3f} s{against}")
    return row


def print_table(args, table):
    print()
    print(f"Benchmark on {os.cpu_count()} cores, {args.leads} leads, medians of")
    print(f"{args.repeats} runs; 'baseline' is plain crm or the best plain SQL.")
    print()
    print(f"| {'measure':<52} | {'addon s':>9} | {'baseline s':>10} | {'ratio':>6} |")
    print(f"|{'-' * 54}|{'-' * 11}|{'-' * 12}|{'-' * 8}|")
    for label, seconds, baseline, ratio in table:
        base = f"{baseline:10.3f}" if baseline is not None else f"{'':>10}"
        rate = f"{ratio:6.2f}" if ratio is not None else f"{'':>6}"
        print(f"| {label:<52} | {seconds:9.3f} | {base} | {rate} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument(
        "--firm-db",
        help="a database already holding the sample firm: skip loading one",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--step",
        choices=("all", "writes", "firm", "xlsx"),
        default="all",
        help="writes: install and stage changes against plain crm; firm: the "
        "bench_*.py modules on the sample firm; xlsx: only the workbook export",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(TOOLS))
    if args.step == "xlsx":
        xlsx_step(args)
        return

    from odoo.tools import config

    config.parse_config(["--addons-path", args.addons_path])
    table = []
    if args.step in ("all", "writes"):
        table += write_benchmarks(args)
    if args.step in ("all", "firm"):
        table += firm_benchmarks(args)
    print_table(args, table)

    if not args.keep:
        dropped = (PLAIN_DB, ADDON_DB) if args.step != "firm" else ()
        if not args.firm_db and args.step != "writes":
            dropped += (FIRM_DB,)
        for name in dropped:
            dropdb(name)


if __name__ == "__main__":
    main()
