from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from .test_conflict_common import ConflictCase


@tagged("post_install", "-at_install")
class TestConflictTampering(ConflictCase):
    """What a user could send over RPC, or do in a form, to get a lead past
    the conflict check without the check really passing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls._matter("retainer_funded", contact="Dolores Yamamoto")
        cls.company.conflict_gate = True
        cls.checked = cls._matter(
            contact="Jasmine Gómez",
            parties=[("Bartholomew Nobody", "adverse_party")],
            user_id=cls.intake_user.id,
        )
        cls.checked.with_user(cls.conflict_attorney).action_run_conflict_check()

    def _intake(self, record):
        return record.with_user(self.intake_user)

    def _adverse(self, lead):
        return lead.party_ids.filtered(lambda party: party.role == "adverse_party")

    def test_the_check_passed(self):
        self.assertEqual(self.checked.conflict_status, "clear")
        self.assertFalse(self.checked.conflict_stale)

    def test_a_party_renamed_in_the_same_write_stops_the_move(self):
        adverse = self._adverse(self.checked)
        with self.assertRaisesRegex(UserError, "changed since the check"):
            self._intake(self.checked).write(
                {
                    "stage_id": self.stages["appointment_made"].id,
                    "party_ids": [
                        Command.update(adverse.id, {"name": "Dolores Yamamoto"})
                    ],
                }
            )
        self.assertEqual(adverse.name, "Bartholomew Nobody")
        self.assertEqual(self.checked.milestone_role, "contact_made")
        self.assertEqual(len(self.checked.milestone_log_ids), 1)

    def test_a_note_on_a_party_does_not_stop_the_move(self):
        adverse = self._adverse(self.checked)
        self._intake(self.checked).write(
            {
                "stage_id": self.stages["appointment_made"].id,
                "party_ids": [Command.update(adverse.id, {"note": "Met at court"})],
            }
        )
        self.assertEqual(self.checked.milestone_role, "appointment_made")

    def test_a_party_renamed_first_makes_the_check_stale(self):
        self._intake(self._adverse(self.checked)).name = "Dolores Yamamoto"
        self.assertTrue(self.checked.conflict_stale)
        with self.assertRaisesRegex(UserError, "changed since the check"):
            self._intake(self.checked).stage_id = self.stages["appointment_made"]

    def test_nobody_stamps_a_party_as_checked(self):
        parties = self.env["crm.lead.party"].with_user(self.intake_user)
        with self.assertRaisesRegex(AccessError, "Dolores Yamamoto: Last Checked"):
            parties.create(
                {
                    "lead_id": self.checked.id,
                    "name": "Dolores Yamamoto",
                    "role": "adverse_party",
                    "checked_date": "2026-12-04 02:00:00",
                }
            )
        new = parties.create(
            {
                "lead_id": self.checked.id,
                "name": "Dolores Yamamoto",
                "role": "adverse_party",
            }
        )
        with self.assertRaises(AccessError):
            new.write({"checked_date": "2026-12-04 02:00:00"})
        self.assertFalse(new.checked_date)
        self.assertTrue(self.checked.conflict_stale)

    def test_a_party_moved_to_another_lead_is_unchecked_there(self):
        other = self._matter(contact="Ivo Petrov", user_id=self.intake_user.id)
        other.with_user(self.conflict_attorney).action_run_conflict_check()
        self.assertFalse(other.conflict_stale)
        adverse = self._adverse(self.checked)
        self._intake(adverse).lead_id = other
        self.assertFalse(adverse.checked_date)
        self.assertTrue(other.conflict_stale)
        with self.assertRaisesRegex(UserError, "Ivo Petrov"):
            self._intake(other).stage_id = self.stages["appointment_made"]

    def test_a_merge_keeps_the_gravest_conflict_status(self):
        refused = self._matter(
            contact="Hugo Brandt",
            parties=[("Dolores Yamamoto", "adverse_party")],
            user_id=self.intake_user.id,
        )
        refused.with_user(self.conflict_attorney).action_run_conflict_check()
        self.assertEqual(refused.conflict_status, "conflict")
        conflict_run = refused.conflict_check_id
        refused.action_set_refused(
            self.env.ref("crm_law_milestones.crm_refusal_reason_conflict").id
        )
        fresh = self._matter(contact="Hugo Brandt", user_id=self.intake_user.id)

        merged = (refused | fresh).with_user(self.attorney)._merge_opportunity()
        self.assertEqual(merged, fresh)
        self.assertEqual(fresh.conflict_status, "conflict")
        self.assertEqual(fresh.conflict_check_id, conflict_run)
        self.assertIn("keeps that status", fresh.message_ids[:1].body.striptags())
        with self.assertRaises(UserError):
            self._intake(fresh).stage_id = self.stages["appointment_made"]

    def test_overrides_need_a_real_reason(self):
        overrides = self.env["crm.conflict.override"].with_user(self.conflict_attorney)
        for reason in ("", "   ", "\n"):
            with (
                self.subTest(reason=reason),
                self.assertRaisesRegex(UserError, "Matter of Jasmine Gómez: say why"),
            ):
                overrides.create(
                    {
                        "lead_id": self.checked.id,
                        "to_status": "waived",
                        "reason": reason,
                    }
                )
        self.assertFalse(self.checked.conflict_waived_by_id)


@tagged("post_install", "-at_install")
class TestMilestoneTampering(ConflictCase):
    """Values the milestone rules cannot trust, refused with a message."""

    def test_a_stage_must_be_a_stage_id(self):
        lead = self._lead("contact_made", name="Typed wrong", user_id=False)
        for value in (True, "8", 8.0, [8], {"id": 8}, 0, -3, 999999):
            with (
                self.subTest(value=value),
                self.assertRaisesRegex(
                    ValidationError, "Typed wrong: .* is not a stage"
                ),
            ):
                lead.write({"stage_id": value})
        self.assertEqual(lead.milestone_role, "contact_made")
        self.assertEqual(len(lead.milestone_log_ids), 1)
        with self.assertRaisesRegex(ValidationError, "New one: True is not a stage"):
            self.env["crm.lead"].create({"name": "New one", "stage_id": True})

    def test_a_stage_record_is_taken_as_its_id(self):
        lead = self._lead("contact_made", name="By record")
        lead.write({"stage_id": self.stages["appointment_made"]})
        self.assertEqual(lead.milestone_role, "appointment_made")

    def test_module_stamps_cannot_be_set_by_hand(self):
        lead = self._lead("contact_made", name="Stamped", user_id=self.intake_user.id)
        for field in (
            "retainer_funded_date",
            "initial_consult_date",
            "conflict_gate_bypass_date",
        ):
            with self.subTest(field=field), self.assertRaises(AccessError):
                lead.with_user(self.intake_user).write({field: "2026-01-01 10:00:00"})
        with self.assertRaises(AccessError):
            lead.with_user(self.intake_user).write(
                {"conflict_gate_bypass_user_id": self.intake_manager.id}
            )
        self.assertFalse(lead.retainer_funded_date or lead.conflict_gate_bypass_user_id)

    def test_module_stamps_cannot_be_blanked_by_hand(self):
        lead = self._lead(
            "retainer_signed", name="Blanked", user_id=self.intake_user.id
        )
        lead.action_set_won()
        self.assertEqual(lead.milestone_furthest, "retainer_funded")
        self.assertEqual(lead.milestone_move_count, 2)
        as_intake = lead.with_user(self.intake_user)
        for field, blank in (
            ("milestone_furthest", False),
            ("milestone_move_count", 0),
            ("retainer_funded_date", False),
            ("retainer_signed_date", False),
        ):
            with (
                self.subTest(field=field),
                self.assertRaisesRegex(AccessError, "Blanked: the intake module"),
            ):
                as_intake.write({field: blank})
        self.assertEqual(lead.milestone_furthest, "retainer_funded")
        self.assertEqual(lead.milestone_move_count, 2)
        self.assertTrue(lead.retainer_funded_date and lead.retainer_signed_date)
        # Writing back what is there already changes nothing: accepted.
        as_intake.write({"milestone_move_count": 2, "speed_to_lead_hours": 0})

    def test_a_won_lead_is_refused_by_no_path(self):
        won = self._lead("retainer_funded", name="Funded client")
        self.assertEqual(won.won_status, "won")
        reason = self.env.ref("crm_law_milestones.crm_refusal_reason_conflict")
        with self.assertRaisesRegex(UserError, "won leads cannot be refused"):
            won.write(
                {
                    "stage_id": self.stages["refused"].id,
                    "refusal_reason_id": reason.id,
                }
            )
        self.assertEqual(won.milestone_role, "retainer_funded")

    def test_a_stage_with_leads_keeps_its_closing_role(self):
        stage = self.env["crm.stage"].create({"name": "Follow-up"})
        self._lead("contact_made", name="Waiting in it", stage_id=stage.id)
        for role in ("refused", "lost", "waiting_on"):
            with (
                self.subTest(role=role),
                self.assertRaisesRegex(UserError, "Follow-up holds 1 lead"),
            ):
                stage.milestone_role = role
        stage.milestone_role = "contact_made"
        self.assertEqual(stage.milestone_role, "contact_made")

        # Nor may the Refused stage, holding a refused lead, become open.
        refused = self._lead("contact_made", name="To refuse")
        refused.action_set_refused(
            self.env.ref("crm_law_milestones.crm_refusal_reason_conflict").id
        )
        with self.assertRaisesRegex(UserError, "from Refused to Contact Made"):
            self.stages["refused"].milestone_role = "contact_made"
        self.assertEqual(self.stages["refused"].milestone_role, "refused")
