import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

function openReport(menuXmlid, content) {
    return [
        {
            trigger: '.dropdown-toggle[data-menu-xmlid="crm.crm_menu_report"]',
            content: "Open the Reporting menu",
            run: "click",
        },
        {
            trigger: `.dropdown-item[data-menu-xmlid="crm_law_milestones.${menuXmlid}"]`,
            content,
            run: "click",
        },
    ];
}

// A partner reads where leads thin out (funnel), where they go (flow
// matrix) and the picture of it (flow diagram), then takes it all away as
// a workbook.
registry.category("web_tour.tours").add("crm_law_milestones_reports", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            content: "Open CRM",
            run: "click",
        },
        ...openReport("crm_milestone_funnel_report_menu", "Open the funnel"),
        {
            trigger: ".o_pivot tr:has(th:contains('Contact Made')) td:nth-child(2):contains('2')",
            content: "Two of the user's own leads reached Contact Made",
        },
        ...openReport("crm_milestone_flow_report_menu", "Open the flow matrix"),
        {
            trigger: ".o_pivot th:contains('Appointment Made')",
            content: "The flow matrix shows the moves by milestone",
        },
        ...openReport("crm_milestone_flow_diagram_menu", "Open the flow diagram"),
        {
            trigger: ".o_crm_flow_diagram canvas",
            content: "The diagram is drawn",
        },
        ...openReport("crm_intake_export_menu", "Open the intake workbook export"),
        {
            trigger: ".modal button[name=action_export]",
            content: "Export the last twelve months",
            run: "click",
        },
        {
            trigger: ".modal .o_field_binary a:contains('.xlsx')",
            content: "The workbook is ready to download",
        },
        {
            trigger: ".modal .modal-footer button:contains('Close')",
            content: "Close the dialog",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
