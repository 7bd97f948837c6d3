import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// Intake staff work a lead through the milestone pipeline: drag it forward,
// read its history, win it (Retainer Funded, with the rainbowman), and mark
// another one lost.
registry.category("web_tour.tours").add("crm_law_milestones_pipeline", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            content: "Open the CRM pipeline",
            run: "click",
        },
        {
            trigger: ".o_kanban_record:contains('Tour PNC Forward') .o_intake_urgent",
            content: "An unanswered prospective client is flagged",
        },
        {
            trigger: ".o_kanban_record:contains('Tour PNC Forward')",
            content: "Drag it to Contact Made: someone called back",
            run: "drag_and_drop (.o_opportunity_kanban .o_kanban_group:has(.o_column_title:contains('Contact Made')))",
        },
        {
            trigger: ".o_kanban_group:has(.o_column_title:contains('Contact Made')) .o_kanban_record:contains('Tour PNC Forward')",
            content: "The card sits in Contact Made",
        },
        {
            trigger: ".o_kanban_renderer",
            run: "click",
        },
        {
            trigger: ".o_kanban_record:contains('Tour PNC Forward')",
            content: "Open the lead",
            run: "click",
        },
        {
            trigger: ".o_notebook a:contains('Milestone History')",
            content: "Open its history",
            run: "click",
        },
        {
            trigger: ".o_field_one2many[name=milestone_log_ids] .o_data_row:contains('Contact Made'):contains('Next milestone')",
            content: "The move is on record",
        },
        {
            trigger: "button[name=action_set_won_rainbowman]",
            content: "The retainer is funded: mark it won",
            run: "click",
        },
        {
            trigger: ".o_reward_rainbow",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Retainer Funded')",
            content: "Won lands in Retainer Funded",
        },
        {
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb li.breadcrumb-item a",
            content: "Back to the pipeline",
            run: "click",
        },
        {
            trigger: ".o_kanban_record:contains('Tour PNC Lost')",
            content: "Open the lead that went elsewhere",
            run: "click",
        },
        {
            trigger: ".o_statusbar_buttons button:contains('Lost')",
            content: "Mark it lost",
            run: "click",
        },
        {
            trigger: ".modal button[name=action_lost_reason_apply]",
            content: "Confirm",
            run: "click",
        },
        {
            trigger: ".o_form_view .ribbon:contains('Lost')",
            content: "The lead is lost",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Lost'), .o_statusbar_status button[disabled]:contains('Lost')",
            content: "and sits in the Lost milestone",
        },
    ],
});
