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


def _remove_unused_stock_stages(env):
    stages = env["crm.stage"]
    for xmlid in CRM_STOCK_STAGES:
        stages |= env.ref(xmlid, raise_if_not_found=False) or env["crm.stage"]
    used = (
        env["crm.lead"]
        .with_context(active_test=False)
        ._read_group([("stage_id", "in", stages.ids)], ["stage_id"])
    )
    unused = stages - env["crm.stage"].union(*(stage for (stage,) in used))
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
    reasons = env["crm.lost.reason"]
    for xmlid in CRM_STOCK_LOST_REASONS:
        reasons |= env.ref(xmlid, raise_if_not_found=False) or reasons.browse()
    used = (
        env["crm.lead"]
        .with_context(active_test=False)
        ._read_group([("lost_reason_id", "in", reasons.ids)], ["lost_reason_id"])
    )
    unused = reasons - reasons.browse().union(*(reason for (reason,) in used))
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
