from datetime import datetime

from odoo import Command
from odoo.tests import Form, tagged

from .common import MilestoneCase


@tagged("post_install", "-at_install")
class TestTransitionLog(MilestoneCase):
    def test_create_logs_entry(self):
        lead = self._lead("contact_info_received")
        log = lead.milestone_log_ids
        self.assertEqual(len(log), 1)
        self.assertEqual(log.move_kind, "entry")
        self.assertFalse(log.from_stage_id)
        self.assertEqual(log.to_stage_id, self.stages["contact_info_received"])
        self.assertEqual(log.team_id, self.team)
        self.assertEqual(log.user_id, self.env.user)
        self.assertEqual(log.duration_days, 0.0)

    def test_create_many_logs_each(self):
        leads = self.env["crm.lead"].create(
            [
                {"name": f"PNC {index}", "stage_id": self.stages[role].id}
                for index, role in enumerate(["awaiting_info", "contact_made"])
            ]
        )
        self.assertEqual(
            [self._rows(lead) for lead in leads],
            [
                [(False, "awaiting_info", "entry")],
                [(False, "contact_made", "entry")],
            ],
        )

    def test_every_kind_of_move(self):
        lead = self._lead("awaiting_info")
        for role in [
            "contact_info_received",
            "appointment_made",
            "contact_made",
            "appointment_made",
            "initial_consult",
            "retainer_signed",
            "waiting_on",
            "retainer_funded",
        ]:
            vals = {"stage_id": self.stages[role].id}
            if role == "waiting_on":
                vals["waiting_reason"] = "funds"  # required there
            lead.write(vals)
        self.assertEqual(
            [kind for _from, _to, kind in self._rows(lead)],
            [
                "entry",
                "next",
                "skip",
                "back",
                "next",
                "next",
                "next",
                "waiting",
                "resume",
            ],
        )
        self.assertEqual(lead.won_status, "won")

    def test_writing_the_same_stage_logs_nothing(self):
        lead = self._lead("contact_made")
        lead.write({"stage_id": self.stages["contact_made"].id, "priority": "2"})
        lead.write({"name": "Renamed PNC"})
        self.assertEqual(len(lead.milestone_log_ids), 1)

    def test_duration_in_previous_stage(self):
        with self._at("2026-03-02 09:00:00"):
            lead = self._lead("contact_info_received")
        with self._at("2026-03-05 21:00:00"):
            lead.stage_id = self.stages["contact_made"]
        move = lead.milestone_log_ids.filtered(lambda log: log.move_kind == "next")
        self.assertAlmostEqual(move.duration_days, 3.5)
        self.assertEqual(move.date, datetime(2026, 3, 5, 21, 0))

    def test_form_save(self):
        lead = self._lead("contact_made")
        with Form(lead) as form:
            form.stage_id = self.stages["appointment_made"]
        self.assertEqual(
            self._rows(lead)[-1], ("contact_made", "appointment_made", "next")
        )

    def test_kanban_drag_web_save(self):
        # The kanban drag and the list's inline edit both save through web_save.
        lead = self._lead("contact_made", user_id=self.intake_user.id)
        lead = lead.with_user(self.intake_user)
        lead.web_save({"stage_id": self.stages["initial_consult"].id}, {})
        self.assertEqual(
            self._rows(lead)[-1], ("contact_made", "initial_consult", "skip")
        )
        self.assertEqual(
            lead.milestone_log_ids.sorted("id")[-1].user_id, self.intake_user
        )

    def test_import(self):
        result = self.env["crm.lead"].load(
            ["name", "type", "stage_id/id"],
            [
                [
                    "Imported A",
                    "opportunity",
                    "crm_law_milestones.crm_stage_contact_made",
                ],
                ["Imported B", "opportunity", "crm_law_milestones.crm_stage_lost"],
            ],
        )
        self.assertFalse(result["messages"])
        leads = (
            self.env["crm.lead"].with_context(active_test=False).browse(result["ids"])
        )
        self.assertEqual(
            [self._rows(lead) for lead in leads],
            [[(False, "contact_made", "entry")], [(False, "lost", "entry")]],
        )
        self.assertEqual(leads.mapped("won_status"), ["pending", "lost"])

    def test_bulk_write_logs_every_lead(self):
        leads = self.env["crm.lead"].browse(
            [
                self._lead(role).id
                for role in ["awaiting_info", "contact_made", "initial_consult"]
            ]
        )
        leads.write({"stage_id": self.stages["appointment_made"].id})
        self.assertEqual(
            [self._rows(lead)[-1] for lead in leads],
            [
                ("awaiting_info", "appointment_made", "skip"),
                ("contact_made", "appointment_made", "next"),
                ("initial_consult", "appointment_made", "back"),
            ],
        )

    def test_bulk_write_costs_constant_queries(self):
        def queries_to_move(count):
            leads = self._leads([f"Bulk {index}" for index in range(count)])
            self.env.invalidate_all()
            leads = leads.browse(leads.ids)
            before = self.env.cr.sql_log_count
            leads.write({"stage_id": self.stages["appointment_made"].id})
            leads.flush_recordset()
            return self.env.cr.sql_log_count - before

        queries_to_move(2)  # warm-up: caches, prepared statements
        self.assertEqual(queries_to_move(3), queries_to_move(30))

    # Pinned: a change that makes a stage change cost more queries must say
    # so here. The first move of each size warms the caches.
    SINGLE_MOVE_QUERIES = 12
    BULK_MOVE_QUERIES = 13

    def test_stage_change_query_counts(self):
        leads = self._leads([f"Pinned {index}" for index in range(42)])
        warm_one, one, warm_bulk, bulk = leads[0], leads[1], leads[2:22], leads[22:]
        target = self.stages["appointment_made"].id

        for warm, measured, expected in (
            (warm_one, one, self.SINGLE_MOVE_QUERIES),
            (warm_bulk, bulk, self.BULK_MOVE_QUERIES),
        ):
            warm.write({"stage_id": target})
            self.env.flush_all()
            self.env.invalidate_all()
            with self.assertQueryCount(expected):
                measured.write({"stage_id": target})
            self.assertEqual(
                {row[1:] for lead in measured for row in self._rows(lead)[-1:]},
                {("appointment_made", "next")},
            )

    def test_server_action(self):
        lead = self._lead("retainer_signed")
        action = self.env["ir.actions.server"].create(
            {
                "name": "Mark funded",
                "model_id": self.env["ir.model"]._get_id("crm.lead"),
                "state": "object_write",
                "update_path": "stage_id",
                "resource_ref": f"crm.stage,{self.stages['retainer_funded'].id}",
            }
        )
        action.with_context(active_model="crm.lead", active_ids=lead.ids).run()
        self.assertEqual(
            self._rows(lead)[-1], ("retainer_signed", "retainer_funded", "next")
        )
        self.assertEqual(lead.won_status, "won")

    def test_convert_to_opportunity_recomputes_stage(self):
        other_team = self.env["crm.team"].create({"name": "Estate Planning"})
        team_stage = self.env["crm.stage"].create(
            {
                "name": "Litigation screening",
                "sequence": 31,
                "milestone_role": "contact_made",
                "team_ids": [Command.link(self.team.id)],
            }
        )
        lead = self._lead("contact_made", type="lead", stage_id=team_stage.id)
        lead.convert_opportunity(self.env["res.partner"], team_id=other_team.id)
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.team_id, other_team)
        self.assertEqual(lead.stage_id, self.stages["awaiting_info"])
        log = lead.milestone_log_ids.sorted("id")[-1]
        self.assertEqual(log.from_stage_id, team_stage)
        self.assertEqual(log.move_kind, "back")

    def test_merge_keeps_both_histories(self):
        first = self._lead("awaiting_info", name="Dana First", expected_revenue=5000)
        first.stage_id = self.stages["contact_made"]
        second = self._lead("contact_info_received", name="Dana Second")
        second.stage_id = self.stages["appointment_made"]
        leads = first | second
        names = {lead.id: lead.name for lead in leads}
        log_ids = set(leads.milestone_log_ids.ids)

        merged = leads._merge_opportunity(max_length=None)

        gone = leads - merged
        self.assertFalse(gone.exists())
        self.assertLessEqual(log_ids, set(merged.milestone_log_ids.ids))
        self.assertEqual(
            set(merged.milestone_log_ids.filtered("merged_from").mapped("merged_from")),
            {f"{names[gone.id]} (#{gone.id})"},
        )
