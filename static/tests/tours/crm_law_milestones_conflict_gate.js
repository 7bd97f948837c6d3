import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// An attorney drags a lead to Appointment Made before any conflict check:
// the gate refuses and says why. They run the check from the lead, see it
// clear, and move the lead on from the status bar.
registry.category("web_tour.tours").add("crm_law_milestones_conflict_gate", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            content: "Open the CRM pipeline",
            run: "click",
        },
        {
            trigger: ".o_kanban_record:contains('Tour PNC Gate')",
            content: "Drag the lead to Appointment Made before any conflict check",
            run: "drag_and_drop (.o_opportunity_kanban .o_kanban_group:has(.o_column_title:contains('Appointment Made')))",
        },
        {
            trigger: ".modal:contains('Tour PNC Gate'):contains('Not Run')",
            content: "The gate names the lead and its conflict status",
        },
        {
            trigger: ".modal .modal-footer .btn-primary",
            content: "Close the message",
            run: "click",
        },
        {
            trigger: ".o_kanban_group:has(.o_column_title:contains('Contact Made')) .o_kanban_record:contains('Tour PNC Gate')",
            content: "The card stayed in Contact Made",
        },
        {
            trigger: ".o_kanban_record:contains('Tour PNC Gate')",
            content: "Open the lead",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_run_conflict_check]",
            content: "Run the conflict check",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=conflict_status] .badge:contains('Clear')",
            content: "Nobody in the firm's records matches: clear",
        },
        {
            trigger: ".o_statusbar_status button[data-value]:contains('Appointment Made')",
            content: "Move the lead on to Appointment Made",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Appointment Made')",
            content: "The gate let it through",
        },
        {
            trigger: ".o_breadcrumb li.breadcrumb-item a",
            content: "Back to the pipeline",
            run: "click",
        },
        {
            trigger: ".o_kanban_group:has(.o_column_title:contains('Appointment Made')) .o_kanban_record:contains('Tour PNC Gate')",
            content: "The card now sits in Appointment Made",
        },
    ],
});
