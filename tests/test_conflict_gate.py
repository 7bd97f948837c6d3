import logging

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .test_conflict_common import ConflictCase

GATE_LOGGER = "odoo.addons.crm_law_milestones.models.crm_lead"


@tagged("post_install", "-at_install")
class TestConflictGate(ConflictCase):
    """No Appointment Made or later without a clear or waived check, by
    every path a stage changes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.conflict_gate = True
        cls.unchecked = cls._matter(
            contact="Dario Lowenthal", user_id=cls.intake_user.id
        )
        cls.cleared = cls._matter(contact="Mónica Peña", user_id=cls.intake_user.id)
        cls.cleared.conflict_status = "clear"

    def _as_intake(self, lead):
        return lead.with_user(self.intake_user)

    def test_form(self):
        with self.assertRaisesRegex(UserError, "Dario Lowenthal.*Not Run"):
            with Form(self._as_intake(self.unchecked)) as form:
                form.stage_id = self.stages["appointment_made"]
        self.assertEqual(self.unchecked.milestone_role, "contact_made")

    def test_kanban_drag_saves_like_the_web_client(self):
        lead = self._as_intake(self.unchecked)
        with self.assertRaisesRegex(UserError, "cannot enter Appointment Made"):
            lead.web_save({"stage_id": self.stages["appointment_made"].id}, {})
        cleared = self._as_intake(self.cleared)
        cleared.web_save({"stage_id": self.stages["appointment_made"].id}, {})
        self.assertEqual(self.cleared.milestone_role, "appointment_made")

    def test_import(self):
        result = (
            self.env["crm.lead"]
            .with_user(self.intake_user)
            .load(
                [".id", "stage_id/.id"],
                [[str(self.unchecked.id), str(self.stages["initial_consult"].id)]],
            )
        )
        self.assertFalse(result["ids"])
        self.assertIn("Initial Consult", result["messages"][0]["message"])
        self.assertEqual(self.unchecked.milestone_role, "contact_made")

    def test_import_new_leads_into_a_gated_stage(self):
        result = (
            self.env["crm.lead"]
            .with_user(self.intake_user)
            .load(
                ["name", "type", "stage_id/.id"],
                [
                    [
                        "Imported PNC",
                        "opportunity",
                        str(self.stages["retainer_signed"].id),
                    ]
                ],
            )
        )
        self.assertFalse(result["ids"])
        self.assertIn("Imported PNC", result["messages"][0]["message"])

    def test_bulk_rpc_write_names_every_blocked_lead_and_writes_nothing(self):
        potential = self._matter(contact="Siobhán Fenwick")
        potential.conflict_status = "potential"
        leads = self.unchecked | self.cleared | potential
        with self.assertRaises(UserError) as caught:
            leads.with_user(self.attorney).write(
                {"stage_id": self.stages["appointment_made"].id}
            )
        message = str(caught.exception)
        self.assertIn("Dario Lowenthal", message)
        self.assertIn("Siobhán Fenwick: Potential Conflict", message)
        self.assertNotIn("Mónica Peña", message)
        self.assertEqual(set(leads.mapped("milestone_role")), {"contact_made"})
        self.assertFalse(
            self.env["crm.lead.milestone.log"].search(
                [("lead_id", "in", leads.ids), ("to_role", "=", "appointment_made")]
            )
        )

    def test_create_with_a_stage(self):
        leads = self.env["crm.lead"].with_user(self.intake_user)
        with self.assertRaisesRegex(UserError, "Walk-in PNC: Not Run"):
            leads.create(
                {
                    "name": "Walk-in PNC",
                    "type": "opportunity",
                    "stage_id": self.stages["initial_consult"].id,
                }
            )

    def test_kanban_quick_create_in_a_gated_column(self):
        leads = (
            self.env["crm.lead"]
            .with_user(self.intake_user)
            .with_context(default_stage_id=self.stages["appointment_made"].id)
        )
        with self.assertRaisesRegex(UserError, "Quick PNC"):
            leads.create({"name": "Quick PNC", "type": "opportunity"})

    def test_won_button(self):
        with self.assertRaisesRegex(UserError, "cannot enter Retainer Funded"):
            self._as_intake(self.unchecked).action_set_won()
        self._as_intake(self.cleared).action_set_won()
        self.assertEqual(self.cleared.milestone_role, "retainer_funded")

    def test_refusal_is_logged_on_one_info_line(self):
        with (
            # logging.INFO, not "INFO": Odoo gives that name to a level 25.
            self.assertLogs(GATE_LOGGER, logging.INFO) as logs,
            self.assertRaises(UserError),
        ):
            self._as_intake(self.unchecked).write(
                {"stage_id": self.stages["appointment_made"].id}
            )
        self.assertEqual(len(logs.output), 1)
        self.assertIn(f"[{self.unchecked.id}]", logs.output[0])
        self.assertIn("appointment_made", logs.output[0])

    def test_what_passes(self):
        waived = self._matter(contact="Joaquín Ibáñez", user_id=self.intake_user.id)
        waived.conflict_status = "waived"
        (self.cleared | waived).with_user(self.intake_user).write(
            {"stage_id": self.stages["initial_consult"].id}
        )
        self.assertEqual(
            set((self.cleared | waived).mapped("milestone_role")), {"initial_consult"}
        )

    def test_what_is_not_gated(self):
        lead = self._as_intake(self.unchecked)
        # Earlier milestones, Waiting On, closing, and stages without a role.
        lead.write({"stage_id": self.stages["contact_info_received"].id})
        lead.write(
            {"stage_id": self.stages["waiting_on"].id, "waiting_reason": "funds"}
        )
        lead.write(
            {
                "stage_id": self.stages["refused"].id,
                "refusal_reason_id": self.env.ref(
                    "crm_law_milestones.crm_refusal_reason_conflict"
                ).id,
            }
        )
        self.assertEqual(self.unchecked.milestone_role, "refused")
        plain = self.env["crm.stage"].create({"name": "Plain stage", "sequence": 99})
        other = self._matter(contact="Priyanka Kaur", user_id=self.intake_user.id)
        other.with_user(self.intake_user).write({"stage_id": plain.id})
        self.assertEqual(other.stage_id, plain)

    def test_gate_off(self):
        self.company.conflict_gate = False
        self._as_intake(self.unchecked).write(
            {"stage_id": self.stages["appointment_made"].id}
        )
        self.assertEqual(self.unchecked.milestone_role, "appointment_made")

    def test_a_party_added_since_the_check_blocks(self):
        self.cleared.write(
            {"party_ids": [Command.create({"name": "Late Party", "role": "witness"})]}
        )
        self.assertTrue(self.cleared.conflict_stale)
        with self.assertRaisesRegex(UserError, "a party was added or changed since"):
            self._as_intake(self.cleared).write(
                {"stage_id": self.stages["appointment_made"].id}
            )

    def test_adding_a_party_and_moving_in_one_save_blocks(self):
        self.cleared.party_ids = [
            Command.create({"name": "Mónica Peña", "role": "prospective_client"})
        ]
        self.cleared.party_ids.checked_date = "2026-01-02 10:00:00"
        self.assertFalse(self.cleared.conflict_stale)
        with self.assertRaises(UserError):
            self._as_intake(self.cleared).write(
                {
                    "stage_id": self.stages["appointment_made"].id,
                    "party_ids": [
                        Command.create({"name": "Late Party", "role": "witness"})
                    ],
                }
            )

    def test_a_real_check_opens_the_gate(self):
        lead = self._matter(contact="Rosalie Gómez", user_id=self.intake_user.id)
        self._run(lead)
        self.assertEqual(lead.conflict_status, "clear")
        self._as_intake(lead).write({"stage_id": self.stages["appointment_made"].id})
        self.assertEqual(lead.milestone_role, "appointment_made")

    def test_intake_manager_bypass(self):
        manager_view = self.unchecked.with_user(self.intake_manager)
        manager_view.write(
            {
                "conflict_gate_bypass": True,
                "conflict_gate_bypass_reason": "Emergency hearing tomorrow; "
                "check runs tonight",
            }
        )
        self.assertEqual(
            self.unchecked.conflict_gate_bypass_user_id, self.intake_manager
        )
        self.assertTrue(self.unchecked.conflict_gate_bypass_date)
        self.assertIn("Emergency hearing tomorrow", self.unchecked.message_ids[0].body)
        self._as_intake(self.unchecked).write(
            {"stage_id": self.stages["appointment_made"].id}
        )
        self.assertEqual(self.unchecked.milestone_role, "appointment_made")

    def test_bypass_needs_a_reason(self):
        with self.assertRaisesRegex(UserError, "Bypass Reason"):
            self.unchecked.with_user(self.intake_manager).write(
                {"conflict_gate_bypass": True}
            )

    def test_only_intake_managers_bypass(self):
        for user in (self.intake_user, self.attorney, self.conflict_attorney):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.unchecked.with_user(user).write(
                    {
                        "conflict_gate_bypass": True,
                        "conflict_gate_bypass_reason": "Because",
                        "stage_id": self.stages["appointment_made"].id,
                    }
                )
        self.assertEqual(self.unchecked.milestone_role, "contact_made")

    def test_nobody_sets_the_status_without_evidence(self):
        # Not intake staff, and not an attorney either: a status that lets a
        # lead through the gate comes from a run, sign-offs or an override.
        for user in (self.intake_user, self.conflict_attorney):
            for values in (
                {"conflict_status": "clear"},
                {
                    "conflict_status": "waived",
                    "stage_id": self.stages["appointment_made"].id,
                },
            ):
                with (
                    self.subTest(user=user.login, values=values),
                    self.assertRaisesRegex(AccessError, "follows the conflict check"),
                ):
                    self.unchecked.with_user(user).write(values)
        self.assertEqual(self.unchecked.conflict_status, "not_run")
        self.assertEqual(self.unchecked.milestone_role, "contact_made")
        with self.assertRaises(AccessError):
            self.env["crm.lead"].with_user(self.intake_user).create(
                {
                    "name": "Self-cleared",
                    "type": "opportunity",
                    "conflict_status": "clear",
                    "stage_id": self.stages["appointment_made"].id,
                }
            )

    def test_other_company_gate_settings_apply(self):
        other_company = self.env["res.company"].create({"name": "Branch Office LLP"})
        self.attorney.company_ids = [Command.link(other_company.id)]
        branch_lead = self._matter(
            contact="Nils Fairweather", company_id=other_company.id, team_id=False
        )
        branch_lead.with_user(self.attorney).with_context(
            allowed_company_ids=[self.company.id, other_company.id]
        ).write({"stage_id": self.stages["appointment_made"].id})
        self.assertEqual(branch_lead.milestone_role, "appointment_made")
