import { Component, onMounted, onWillStart, onWillUnmount, useRef, useState } from "@odoo/owl";
import { loadBundle, loadJS } from "@web/core/assets";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

// The Sankey controller (chartjs-chart-sankey, MIT) registers itself on the
// Chart.js that Odoo ships, so Chart.js must be loaded first.
const SANKEY_URL = "/crm_law_milestones/static/lib/chartjs-chart-sankey/chartjs-chart-sankey.min.js";

// One colour per milestone, in path order, then the outcomes.
const COLORS = {
    awaiting_info: "#9aa5b1",
    contact_info_received: "#5b8def",
    contact_made: "#3f6fd1",
    appointment_made: "#7a5bd6",
    initial_consult: "#a04fc7",
    retainer_signed: "#1f9d8a",
    retainer_funded: "#2e9e4f",
    waiting_on: "#e0a030",
    lost: "#d9534f",
    refused: "#8c4a3c",
};

export class FlowDiagram extends Component {
    static template = "crm_law_milestones.FlowDiagram";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.canvasRef = useRef("canvas");
        this.state = useState({
            dateFrom: "",
            dateTo: "",
            teamId: "",
            userId: "",
            practiceAreaId: "",
            teams: [],
            users: [],
            practiceAreas: [],
            nodes: [],
            links: [],
        });
        onWillStart(async () => {
            await loadBundle("web.chartjs_lib");
            await loadJS(SANKEY_URL);
            const [teams, users, practiceAreas] = await Promise.all([
                this.orm.searchRead("crm.team", [], ["display_name"]),
                this.orm.searchRead("res.users", [["share", "=", false]], ["display_name"]),
                this.orm.searchRead("crm.practice.area", [], ["display_name"]),
            ]);
            this.state.teams = teams;
            this.state.users = users;
            this.state.practiceAreas = practiceAreas;
            await this.load();
        });
        onMounted(() => this.draw());
        onWillUnmount(() => this.chart?.destroy());
    }

    get leadsTotal() {
        return this.state.nodes.reduce((total, node) => total + node.leads, 0);
    }

    async load() {
        const data = await this.orm.call("crm.milestone.flow.report", "get_flow_diagram", [], {
            date_from: this.state.dateFrom || false,
            date_to: this.state.dateTo || false,
            team_id: this.state.teamId ? parseInt(this.state.teamId) : false,
            user_id: this.state.userId ? parseInt(this.state.userId) : false,
            practice_area_id: this.state.practiceAreaId
                ? parseInt(this.state.practiceAreaId)
                : false,
        });
        this.state.nodes = data.nodes;
        this.state.links = data.links;
    }

    async onFilterChange(name, ev) {
        this.state[name] = ev.target.value;
        await this.load();
        this.draw();
    }

    draw() {
        this.chart?.destroy();
        this.chart = null;
        if (!this.state.links.length || !this.canvasRef.el) {
            return;
        }
        const labels = {};
        const column = {};
        for (const node of this.state.nodes) {
            labels[node.key] = `${node.label} (${node.leads})`;
            column[node.key] = node.column;
        }
        const color = (key) => COLORS[key] || "#888888";
        this.chart = new window.Chart(this.canvasRef.el, {
            type: "sankey",
            data: {
                datasets: [
                    {
                        label: _t("Leads"),
                        data: this.state.links.map((link) => ({
                            from: link.from,
                            to: link.to,
                            flow: link.leads,
                        })),
                        labels,
                        column,
                        size: "max",
                        colorFrom: (ctx) => color(ctx.dataset.data[ctx.dataIndex]?.from),
                        colorTo: (ctx) => color(ctx.dataset.data[ctx.dataIndex]?.to),
                        colorMode: "gradient",
                        nodeWidth: 12,
                    },
                ],
            },
            options: {
                responsive: true,
                maintainAspectRatio: false,
                plugins: { legend: { display: false } },
            },
        });
    }
}

registry.category("actions").add("crm_law_milestones.flow_diagram", FlowDiagram);
