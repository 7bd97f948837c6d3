from . import (
    crm_lead,
    crm_lead_milestone_log,
    crm_refusal_reason,
    crm_stage,
    res_company,
    res_config_settings,
)
