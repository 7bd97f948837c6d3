from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

# Waits for the flow diagram to draw a Sankey chart with at least one link.
CHECK_SANKEY = """
const deadline = Date.now() + 20000;
(function check() {
    const canvas = document.querySelector(".o_crm_flow_diagram canvas");
    const chart = canvas && window.Chart && window.Chart.getChart(canvas);
    if (chart && chart.config.type === "sankey" && chart.data.datasets[0].data.length) {
        console.log("test successful");
    } else if (Date.now() > deadline) {
        console.error("the flow diagram drew no Sankey chart");
    } else {
        setTimeout(check, 200);
    }
})();
"""


@tagged("post_install", "-at_install")
class TestFlowDiagramUi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.intake_user = mail_new_test_user(
            cls.env,
            login="flow_intake",
            name="Fiona Flow",
            groups="sales_team.group_sale_salesman",
        )
        stages = {
            stage.milestone_role: stage
            for stage in cls.env["crm.stage"].search([("milestone_role", "!=", False)])
        }
        lead = cls.env["crm.lead"].create(
            {
                "name": "Flow PNC",
                "type": "opportunity",
                "user_id": cls.intake_user.id,
                "stage_id": stages["contact_info_received"].id,
            }
        )
        lead.stage_id = stages["contact_made"]

    def test_flow_diagram_draws_sankey_for_salesman(self):
        # Odoo's Chart.js plus the bundled Sankey controller, drawn from the
        # server method as the least privileged user who can open the menu.
        self.browser_js(
            "/odoo/action-crm_law_milestones.crm_milestone_flow_diagram_action",
            CHECK_SANKEY,
            login="flow_intake",
        )
