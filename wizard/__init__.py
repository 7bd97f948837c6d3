from . import crm_lead_refuse
