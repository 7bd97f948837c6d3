{
    "name": "Law Firm Intake Milestones",
    "summary": "Ten legal-intake milestones on the CRM pipeline, with a "
    "transition log of every move",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "author": "crm_law_milestones contributors",
    "license": "LGPL-3",
    "depends": ["crm"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/ir.model.access.csv",
        "security/crm_law_milestones_security.xml",
        "data/crm_stage_data.xml",
        "data/crm_refusal_reason_data.xml",
        "wizard/crm_lead_refuse_views.xml",
        "views/crm_stage_views.xml",
        "views/crm_lead_milestone_log_views.xml",
        "views/crm_lead_views.xml",
        "views/crm_refusal_reason_views.xml",
        "views/res_config_settings_views.xml",
        "views/crm_law_milestones_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_law_milestones/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
}
