from . import crm_stage
from . import crm_refusal_reason
from . import crm_lead_milestone_log
from . import crm_lead
from . import res_company
from . import res_config_settings
