"""Benchmark of the conflict search at a large firm's volume.

``run(env, repeats=5)`` makes sure the database holds at least 100,000
contacts and 200,000 party lines (on 50,000 leads, a tenth of them funded
clients, each with its milestone log row), adding the missing ones in bulk,
then times a conflict check of one lead with five parties: the whole button
(candidate search with the user's rights, rapidfuzz scoring, the run and its
hits written, the lead's status updated) against the bare trigram queries
for the same names. It returns
(measure, median seconds, baseline seconds, ratio) rows, as
tools/benchmark.py expects; ``main()`` prints them for a database and rolls
everything back::

    python tools/bench_conflict.py --database DB --addons-path PATHS

Names come from the sample firm's lists: 70 first names and 65 surnames, so
every surname is shared by some 1,500 contacts and 3,000 parties, harsher
than a real address book.
"""

import argparse
import random
import statistics
import time

from sample_firm import COMPANY_SUFFIXES, COMPANY_WORDS, FIRST_NAMES, LAST_NAMES

CONTACTS = 100_000
PARTY_LINES = 200_000
PARTIES_PER_LEAD = 4
FUNDED_SHARE = 0.1
MARK = "[conflict bench]"
ROLES = ("prospective_client", "adverse_party", "co_party", "witness")
# The lead checked: five parties with common names, a typo and an initial.
SEARCHED = (
    ("Amara Abernathy", "prospective_client"),
    ("Okafor, Lucía", "adverse_party"),
    ("Dr. Hiroshi Takahashi", "adverse_party"),
    ("Fenwick Roofing LLC", "related_party"),
    ("J. Villanueva", "witness"),
)


def _person(rng):
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    if rng.random() < 0.15:
        first, last = name.split(" ", 1)
        name = f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {last}"
    return name


def _company(rng):
    return (
        f"{rng.choice(LAST_NAMES)} {rng.choice(COMPANY_WORDS)} "
        f"{rng.choice(COMPANY_SUFFIXES)}"
    )


def _name(rng):
    return _company(rng) if rng.random() < 0.2 else _person(rng)


def ensure_volume(env, contacts=CONTACTS, party_lines=PARTY_LINES, seed=7):
    """Top the database up to ``contacts`` partners and ``party_lines``
    parties, in bulk SQL (the ORM would make loading the slow part). The
    normalised names are computed by the addon's own function."""
    from odoo.addons.crm_law_milestones.lib import names

    cr = env.cr
    env.flush_all()
    rng = random.Random(seed)
    cr.execute("SELECT count(*) FROM res_partner")
    missing = contacts - cr.fetchone()[0]
    if missing > 0:
        rows = []
        for _index in range(missing):
            name = _name(rng)
            rows.append((name, name, names.normalize(name), " " in name))
        cr.execute_values(
            """
            INSERT INTO res_partner (name, complete_name, name_normalized,
                                     is_company, active, type, create_date,
                                     write_date)
            SELECT v.name, v.complete, v.normalized, v.company, true, 'contact',
                   now() at time zone 'utc', now() at time zone 'utc'
              FROM (VALUES %s) AS v(name, complete, normalized, company)
            """,
            rows,
            page_size=5000,
        )

    cr.execute("SELECT count(*) FROM crm_lead_party")
    missing = party_lines - cr.fetchone()[0]
    if missing > 0:
        funded = env["crm.stage"].search(
            [("milestone_role", "=", "retainer_funded")], limit=1
        )
        made = env["crm.stage"].search(
            [("milestone_role", "=", "contact_made")], limit=1
        )
        lead_rows = []
        for index in range(missing // PARTIES_PER_LEAD + 1):
            contact = _person(rng)
            is_client = rng.random() < FUNDED_SHARE
            stage = funded if is_client else made
            lead_rows.append(
                (
                    f"{MARK} matter {index}",
                    contact,
                    names.normalize(contact),
                    stage.id,
                    stage.milestone_role,
                    env.company.id,
                )
            )
        lead_ids = [
            row[0]
            for row in cr.execute_values(
                """
                INSERT INTO crm_lead (name, type, active, conflict_status,
                                      contact_name, contact_name_normalized,
                                      stage_id, milestone_role, company_id,
                                      probability, create_date, write_date)
                SELECT v.name, 'opportunity', true, 'not_run', v.contact,
                       v.normalized, v.stage, v.role, v.company, 10,
                       now() at time zone 'utc', now() at time zone 'utc'
                  FROM (VALUES %s) AS v(name, contact, normalized, stage, role,
                                        company)
                RETURNING id
                """,
                lead_rows,
                page_size=5000,
                fetch=True,
            )
        ]
        # Each matter's entry into its milestone, as the addon logs it: the
        # search finds former clients through this log.
        cr.execute(
            """
            INSERT INTO crm_lead_milestone_log (lead_id, date, to_stage_id,
                                                to_role, move_kind, company_id)
            SELECT id, now() at time zone 'utc', stage_id, milestone_role,
                   'entry', company_id
              FROM crm_lead
             WHERE id = ANY(%s)
            """,
            [lead_ids],
        )
        party_rows = []
        for index in range(missing):
            name = _name(rng)
            party_rows.append(
                (
                    lead_ids[index // PARTIES_PER_LEAD],
                    name,
                    names.normalize(name),
                    ROLES[index % PARTIES_PER_LEAD],
                    env.company.id,
                )
            )
        cr.execute_values(
            """
            INSERT INTO crm_lead_party (lead_id, name, name_normalized, role,
                                        company_id, sequence, create_date,
                                        write_date)
            SELECT v.lead, v.name, v.normalized, v.role, v.company, 10,
                   now() at time zone 'utc', now() at time zone 'utc'
              FROM (VALUES %s) AS v(lead, name, normalized, role, company)
            """,
            party_rows,
            page_size=5000,
        )
    cr.execute("ANALYZE res_partner, crm_lead, crm_lead_party, crm_lead_milestone_log")
    env.invalidate_all()


def _checked_lead(env):
    stage = env["crm.stage"].search([("milestone_role", "=", "contact_made")], limit=1)
    return (
        env["crm.lead"]
        .with_context(tracking_disable=True, mail_create_nolog=True)
        .create(
            {
                "name": f"{MARK} the lead checked",
                "type": "opportunity",
                "stage_id": stage.id,
                "contact_name": SEARCHED[0][0],
                "party_ids": [
                    (0, 0, {"name": name, "role": role}) for name, role in SEARCHED
                ],
            }
        )
    )


def _bare_queries(env, lead):
    """The trigram candidate queries alone, in plain SQL: the floor."""
    from odoo.addons.crm_law_milestones.models.crm_conflict_check import (
        CANDIDATE_LIMIT,
        TRIGRAM_THRESHOLD,
    )

    keys = lead.party_ids.mapped("name_normalized")
    cr = env.cr

    def queries():
        cr.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
            [str(TRIGRAM_THRESHOLD)],
        )
        for key in keys:
            for sql in (
                "SELECT id FROM res_partner WHERE name_normalized %% %(k)s"
                " ORDER BY similarity(name_normalized, %(k)s) DESC LIMIT %(n)s",
                "SELECT id FROM crm_lead WHERE id != %(lead)s AND"
                " (contact_name_normalized %% %(k)s"
                " OR partner_name_normalized %% %(k)s)"
                " ORDER BY GREATEST(similarity(contact_name_normalized, %(k)s),"
                " similarity(partner_name_normalized, %(k)s)) DESC LIMIT %(n)s",
                "SELECT id FROM crm_lead_party WHERE lead_id != %(lead)s"
                " AND name_normalized %% %(k)s"
                " ORDER BY similarity(name_normalized, %(k)s) DESC LIMIT %(n)s",
            ):
                cr.execute(sql, {"k": key, "n": CANDIDATE_LIMIT + 1, "lead": lead.id})
                cr.fetchall()
        cr.execute("SELECT set_config('pg_trgm.similarity_threshold', '0.3', true)")

    return queries


def _median_seconds(func, repeats):
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def run(env, repeats=5):
    """Time a five-party conflict check; return (measure, median seconds,
    baseline seconds, ratio) rows."""
    ensure_volume(env)
    admin = env.ref("base.user_admin")
    env = env(user=admin.id, context={**env.context, "tracking_disable": True})
    lead = _checked_lead(env)
    env.flush_all()
    checks = env["crm.conflict.check"]

    def check():
        checks._run_for_leads(lead)
        env.flush_all()
        env.invalidate_all()

    bare = _bare_queries(env, lead)
    check()  # warm-up: registry, caches, PostgreSQL's buffers
    bare()
    seconds = _median_seconds(check, repeats)
    baseline = _median_seconds(bare, repeats)
    run_record = lead.conflict_check_id
    label = (
        f"conflict check, {len(SEARCHED)} parties ({run_record.sudo().hit_count} hits)"
    )
    return [(label, seconds, baseline, seconds / baseline if baseline else None)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", "-d", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--commit", action="store_true", help="keep the added contacts and parties"
    )
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
        started = time.perf_counter()
        ensure_volume(env)
        cr.execute("SELECT count(*) FROM res_partner")
        contacts = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM crm_lead_party")
        parties = cr.fetchone()[0]
        print(  # pylint: disable=print-used
            f"{contacts} contacts, {parties} party lines "
            f"(ready in {time.perf_counter() - started:.1f} s)"
        )
        if args.commit:
            cr.commit()  # pylint: disable=invalid-commit
        for label, seconds, baseline, ratio in run(env, repeats=args.repeats):
            print(  # pylint: disable=print-used
                f"{label}: median {seconds:.3f} s over {args.repeats} runs; "
                f"bare trigram SQL {baseline:.3f} s (x{ratio:.1f})"
            )
        cr.rollback()


if __name__ == "__main__":
    main()
