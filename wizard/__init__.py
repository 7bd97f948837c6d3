from . import crm_intake_export, crm_lead_refuse
