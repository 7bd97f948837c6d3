import logging

from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# crm's four stock stages; removed at install when no lead uses them, so a
# new firm's pipeline shows its ten milestones and nothing else.
CRM_STOCK_STAGES = (
    "crm.stage_lead1",
    "crm.stage_lead2",
    "crm.stage_lead3",
    "crm.stage_lead4",
)
# crm's stock lost reasons ("Not enough stock"...): archived at install when
# no lead uses them; the module ships a firm's own (data/crm_lost_reason_data).
CRM_STOCK_LOST_REASONS = ("crm.lost_reason_1", "crm.lost_reason_2", "crm.lost_reason_3")


def post_init_hook(env):
    _remove_unused_stock_stages(env)
    _archive_unused_stock_lost_reasons(env)
    _backfill_milestone_log(env)
    _backfill_milestone_summary(env)


def _unused_stock_records(env, xmlids, lead_field):
    """crm's stock records of ``xmlids`` (those still there), and those of
    them no lead refers to through ``lead_field``."""
    records = env[env["crm.lead"]._fields[lead_field].comodel_name]
    for xmlid in xmlids:
        records |= env.ref(xmlid, raise_if_not_found=False) or records.browse()
    used = (
        env["crm.lead"]
        .with_context(active_test=False)
        ._read_group([(lead_field, "in", records.ids)], [lead_field])
    )
    return records, records - records.browse().union(*(rec for (rec,) in used))


def _remove_unused_stock_stages(env):
    stages, unused = _unused_stock_records(env, CRM_STOCK_STAGES, "stage_id")
    if unused:
        _logger.info(
            "crm_law_milestones: removing %s unused stock CRM stage(s): %s",
            len(unused),
            ", ".join(unused.mapped("name")),
        )
        unused.unlink()
    if stages - unused:
        _logger.info(
            "crm_law_milestones: keeping %s stock CRM stage(s) that hold leads; "
            "give them a milestone role in CRM > Configuration > Settings > Law Firm "
            "Intake > Configure Stages",
            len(stages - unused),
        )


def _archive_unused_stock_lost_reasons(env):
    _reasons, unused = _unused_stock_records(
        env, CRM_STOCK_LOST_REASONS, "lost_reason_id"
    )
    if unused:
        _logger.info(
            "crm_law_milestones: archiving %s unused stock lost reason(s): %s",
            len(unused),
            ", ".join(unused.mapped("name")),
        )
        unused.action_archive()


def _backfill_milestone_log(env):
    """Give every existing lead one entry row for its current stage.

    Set-based SQL: a database with a hundred thousand leads is backfilled in
    seconds, where creating rows through the ORM would take minutes.
    """
    env["crm.lead"].flush_model()
    env.cr.execute(
        SQL(
            """
            INSERT INTO crm_lead_milestone_log (
                lead_id, date, user_id, from_stage_id, to_stage_id, from_role,
                to_role, move_kind, duration_days, company_id, team_id,
                salesperson_id, create_uid, create_date, write_uid, write_date)
            SELECT lead.id,
                   COALESCE(lead.date_last_stage_update, lead.create_date),
                   NULL, NULL, lead.stage_id, NULL, stage.milestone_role,
                   'entry', 0, lead.company_id, lead.team_id, lead.user_id,
                   %(uid)s, NOW() AT TIME ZONE 'UTC',
                   %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM crm_lead lead
              JOIN crm_stage stage ON stage.id = lead.stage_id
             WHERE NOT EXISTS (
                   SELECT 1 FROM crm_lead_milestone_log log
                    WHERE log.lead_id = lead.id)
            """,
            uid=env.uid,
        )
    )
    _logger.info(
        "crm_law_milestones: backfilled the milestone log with %s entry row(s) "
        "for existing leads",
        env.cr.rowcount,
    )


def _backfill_milestone_summary(env):
    """Derive every log row's stays and every lead's summary of its log (and
    its consult and retainer dates): at install, for the backfilled entry
    rows, and on upgrade from a version without these columns. Then fresh
    planner statistics for the columns the reports filter and group on."""
    rows, leads = env["crm.lead.milestone.log"]._refresh_summary()
    env.cr.execute(SQL("ANALYZE crm_lead_milestone_log, crm_lead"))
    _logger.info(
        "crm_law_milestones: derived the milestone summary of %s lead(s) and "
        "the stays of %s log row(s)",
        leads,
        rows,
    )
