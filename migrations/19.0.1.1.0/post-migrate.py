from odoo import SUPERUSER_ID, api

from odoo.addons.crm_law_milestones.hooks import _backfill_milestone_summary


def migrate(cr, version):
    # New stored columns (the log's stays, the leads' summary), filled from
    # the log as it stands.
    _backfill_milestone_summary(api.Environment(cr, SUPERUSER_ID, {}))
