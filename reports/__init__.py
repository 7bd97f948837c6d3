from . import (
    crm_milestone_duration_report,
    crm_milestone_flow_report,
    crm_milestone_forecast_report,
    crm_milestone_funnel_report,
    crm_milestone_outcome_report,
    crm_milestone_report_mixin,
    crm_milestone_stage_history_report,
)
