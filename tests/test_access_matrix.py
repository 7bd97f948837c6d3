"""Who may do what with the records this addon adds, as one table.

The four people of a firm's intake (a plain employee without sales rights,
intake staff, an attorney, an intake manager) and a Settings administrator
without sales rights, against every model of the addon; then the record
rules, by searching as each of them and as an attorney of a second office.
"""

from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import MilestoneCase

REPORTS = (
    "crm.milestone.funnel.report",
    "crm.milestone.flow.report",
    "crm.milestone.outcome.report",
    "crm.milestone.stage.history.report",
    "crm.milestone.duration.report",
    "crm.milestone.forecast.report",
)
# The conflict evidence: what only attorneys read.
EVIDENCE = ("crm.conflict.hit", "crm.conflict.decision", "crm.conflict.override")
OPERATIONS = {"r": "read", "w": "write", "c": "create", "u": "unlink"}
ROLES = {
    "plain": "base.group_user",
    "staff": "crm_law_milestones.group_intake_staff",
    "attorney": "crm_law_milestones.group_conflict_check",
    "manager": "crm_law_milestones.group_intake_manager",
    "admin": "base.group_system",
}
# Refusal reasons and practice areas: every employee reads them, sales
# managers (intake managers among them) maintain them.
LOOKUPS = {"plain": "r", "staff": "r", "attorney": "r", "manager": "rwcu", "admin": "r"}
# What each role may do on each model (access rights, before record rules);
# a role not named may do nothing. The log is never edited and only intake
# managers delete its rows; the evidence is for attorneys.
ACCESS = {
    "crm.lead.milestone.log": {"staff": "r", "attorney": "r", "manager": "ru"},
    "crm.lead.party": {"staff": "rwcu", "attorney": "rwcu", "manager": "rwcu"},
    # Runs and their hits are written by the search alone (attorneys only
    # add a note to a run). The Settings administrator may delete runs, the
    # one way to erase a lead with conflict history on request.
    "crm.conflict.check": {
        "staff": "r",
        "attorney": "rw",
        "manager": "rw",
        "admin": "ru",
    },
    "crm.conflict.hit": {"attorney": "r", "manager": "r"},
    "crm.conflict.decision": {"attorney": "rc", "manager": "rc"},
    "crm.conflict.override": {"attorney": "rc", "manager": "rc"},
    "crm.refusal.reason": LOOKUPS,
    "crm.practice.area": LOOKUPS,
    **{report: {"staff": "r", "attorney": "r", "manager": "r"} for report in REPORTS},
    "crm.lead.refuse": {"staff": "rwc", "attorney": "rwc", "manager": "rwc"},
    "crm.intake.export": {"staff": "rwc", "attorney": "rwc", "manager": "rwc"},
}
# Models whose rows belong to a lead, and whose rows each reader finds among
# the fixture leads: (role in ACCESS, leads), where the role has read access
# at all. Intake staff find their own leads, attorneys and managers every
# lead of their office, the branch attorney only the branch's. The Settings
# administrator, without sales rights, meets no sales rule on the runs he
# may read: every run of his company (today's rights, reported).
ROW_MODELS = (
    "crm.lead.milestone.log",
    "crm.lead.party",
    "crm.conflict.check",
    *EVIDENCE,
    *REPORTS,
)
READERS = {
    "plain": ("plain", set()),
    "admin": ("admin", {"own", "other"}),
    "staff": ("staff", {"own"}),
    "attorney": ("attorney", {"own", "other"}),
    "manager": ("manager", {"own", "other"}),
    "branch": ("attorney", {"branch"}),
}


@tagged("post_install", "-at_install")
class TestAccessMatrix(MilestoneCase):
    """Three leads seventy days old, each with its log, parties, a conflict
    check with hits, a sign-off and an override: one of an intake staff
    member, one of a colleague, one of the branch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            role: mail_new_test_user(
                cls.env, login=f"clm_matrix_{role}", name=f"Matrix {role}", groups=group
            )
            for role, group in ROLES.items()
        }
        cls.other_staff = mail_new_test_user(
            cls.env,
            login="clm_matrix_other",
            name="Matrix other staff",
            groups="crm_law_milestones.group_intake_staff",
        )
        cls.branch = cls.env["res.company"].create({"name": "Branch Office LLP"})
        cls.branch_attorney = mail_new_test_user(
            cls.env,
            login="clm_matrix_branch",
            name="Matrix branch attorney",
            groups="crm_law_milestones.group_conflict_check",
            company_id=cls.branch.id,
        )
        cls.readers = {**cls.users, "branch": cls.branch_attorney}

        # Seventy days of history, so that Milestones Over Time has ended
        # periods to show and Time in Milestone a finished stay.
        start = fields.Datetime.now() - timedelta(days=70)
        attorney = cls.users["attorney"]
        with cls._frozen(start):
            cls._lead("retainer_funded", contact_name="Emeka Gallagher", user_id=False)
            cls._lead(
                "retainer_funded",
                contact_name="Saoirse Delacroix",
                user_id=False,
                company_id=cls.branch.id,
                team_id=False,
            )
            cls.own = cls._matter(
                "Hiroshi Brennan", "Emeka Gallagher", cls.users["staff"]
            )
            cls.other = cls._matter("Ngozi Okafor", "Emeka Gallagher", cls.other_staff)
            cls.branch_lead = cls._matter(
                "Jonah Schafer",
                "Saoirse Delacroix",
                cls.branch_attorney,
                company_id=cls.branch.id,
                team_id=False,
            )
        cls.leads = cls.own | cls.other | cls.branch_lead
        with cls._frozen(start + timedelta(days=1)):
            cls.leads.write({"stage_id": cls.stages["contact_made"].id})
        # With tracking on, so that a leak into the chatter would show: as in
        # a later transaction than the leads' creation, whose records mail
        # never tracks.
        cls.env.cr.precommit.run()
        tracked = cls.env(context=dict(cls.env.context, tracking_disable=False))
        for lead, by in (
            (cls.own, attorney),
            (cls.other, attorney),
            (cls.branch_lead, cls.branch_attorney),
        ):
            lead.with_env(tracked).with_user(by).action_run_conflict_check()
            tracked["crm.conflict.decision"].with_user(by).create(
                {
                    "run_id": lead.conflict_check_id.id,
                    "decision": "conflict",
                    "note": "We acted against Gallagher in 2019",
                }
            )
            tracked["crm.conflict.override"].with_user(by).create(
                {"lead_id": lead.id, "to_status": "waived", "reason": "Written consent"}
            )
        tracked.flush_all()
        tracked.cr.precommit.run()  # writes the tracking values
        cls.key_of_lead = {
            cls.own.id: "own",
            cls.other.id: "other",
            cls.branch_lead.id: "branch",
        }
        # Milestones Over Time counts by salesperson, not by lead.
        cls.key_of_user = {
            cls.users["staff"].id: "own",
            cls.other_staff.id: "other",
            cls.branch_attorney.id: "branch",
        }

    @classmethod
    @contextmanager
    def _frozen(cls, moment):
        """The class-level twin of ``_at``: the clock and NOW() at ``moment``."""
        with freeze_time(moment), patch.object(cls.env.cr, "now", lambda: moment):
            yield
            cls.env.flush_all()

    @classmethod
    def _matter(cls, client, adverse, user, **values):
        """A lead of ``user`` entering Contact Info Received, with its
        prospective client and one adverse party."""
        return cls._lead(
            "contact_info_received",
            name=f"Matter of {client}",
            contact_name=client,
            user_id=user.id,
            party_ids=[
                Command.create({"name": client, "role": "prospective_client"}),
                Command.create(
                    {"name": adverse, "role": "adverse_party", "note": "Ex-spouse"}
                ),
            ],
            **values,
        )

    def _rows(self, model, leads=None):
        """The rows of ``model`` about ``leads`` (the fixture's), as superuser;
        by salesperson for Milestones Over Time, which has no lead."""
        leads = leads or self.leads
        if "lead_id" in self.env[model]._fields:
            return self.env[model].search([("lead_id", "in", leads.ids)])
        return self.env[model].search([("user_id", "in", leads.user_id.ids)])

    def _seen(self, model, user):
        """Which fixture leads ``user`` finds rows of, searching ``model``."""
        rows = self._rows(model).with_user(user)
        found = rows.search([("id", "in", rows.ids)])
        if "lead_id" in found._fields:
            return {self.key_of_lead[row.lead_id.id] for row in found}
        return {self.key_of_user[row.user_id.id] for row in found}

    # ------------------------------------------------------------
    # Access rights
    # ------------------------------------------------------------

    def test_matrix_covers_every_model_of_the_addon(self):
        added = {
            name
            for name, model in self.env.registry.items()
            if model._original_module == "crm_law_milestones" and not model._abstract
        }
        self.assertEqual(added, set(ACCESS))

    def test_access_rights(self):
        for model, allowed in ACCESS.items():
            for role, user in self.users.items():
                for letter, operation in OPERATIONS.items():
                    with self.subTest(model=model, role=role, operation=operation):
                        records = self.env[model].with_user(user).browse()
                        self.assertEqual(
                            records.has_access(operation),
                            letter in allowed.get(role, ""),
                        )

    # ------------------------------------------------------------
    # Record rules
    # ------------------------------------------------------------

    def test_fixture_has_rows_in_every_model(self):
        # Otherwise the searches below would prove nothing.
        for model in ROW_MODELS:
            for leads in self.leads:
                with self.subTest(model=model, lead=leads.name):
                    self.assertTrue(self._rows(model, leads))

    def test_record_rules(self):
        for model in ROW_MODELS:
            for reader, (role, expected) in READERS.items():
                user = self.readers[reader]
                with self.subTest(model=model, reader=reader):
                    if "r" in ACCESS[model].get(role, ""):
                        self.assertEqual(self._seen(model, user), expected)
                    else:
                        with self.assertRaises(AccessError):
                            self._seen(model, user)

    def test_branch_attorney_reads_nothing_of_the_main_office(self):
        branch = self.branch_attorney
        main = self.own | self.other
        for model in ROW_MODELS:
            with self.subTest(model=model):
                theirs = self._rows(model, main).with_user(branch)
                ours = self._rows(model, self.branch_lead).with_user(branch)
                self.assertFalse(theirs.has_access("read"))
                with self.assertRaises(AccessError):
                    theirs.check_access("read")
                self.assertTrue(ours.has_access("read"))
                # The same rows for an attorney of the main office, as a check
                # that the rule, not the data, hides them.
                self.assertTrue(
                    theirs.with_user(self.users["attorney"]).has_access("read")
                )

    def test_exports_are_private(self):
        exports = self.env["crm.intake.export"]
        staff_export = exports.with_user(self.users["staff"]).create({})
        manager_export = exports.with_user(self.users["manager"]).create({})
        self.assertTrue(staff_export.has_access("read"))
        self.assertFalse(
            staff_export.with_user(self.users["manager"]).has_access("read")
        )
        self.assertEqual(
            exports.with_user(self.users["manager"]).search(
                [("id", "in", (staff_export | manager_export).ids)]
            ),
            manager_export,
        )

    def test_sign_offs_are_read_by_attorneys_and_edited_by_nobody(self):
        decision = self.own.conflict_check_id.decision_ids
        self.assertEqual(decision.reviewer_id, self.users["attorney"])
        mine = decision.with_user(self.users["attorney"])
        theirs = decision.with_user(self.users["manager"])
        self.assertTrue(theirs.has_access("read"))
        self.assertFalse(mine.has_access("write"))
        self.assertFalse(theirs.has_access("write"))
        for sign_off in (mine, theirs):
            with self.assertRaises(UserError):
                sign_off.write({"decision": "no_conflict"})

    # ------------------------------------------------------------
    # What a firm expects whatever the table says
    # ------------------------------------------------------------

    def test_intake_staff_never_read_conflict_evidence(self):
        staff = self.users["staff"]
        lead = self.own.with_user(staff)
        # They see the outcome...
        self.assertEqual(lead.conflict_status, "waived")
        self.assertEqual(lead.conflict_check_id.result, "conflict")
        # ...never the hits, notes, sign-offs or override reasons.
        for field in ("hit_ids", "hit_count", "note", "decision_ids"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                lead.conflict_check_id.read([field])
        for field in ("conflict_waiver_reason", "conflict_override_ids"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                lead.read([field])
        for model in EVIDENCE:
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(staff).search([])
        # Nor through the chatter, which does say an override happened.
        messages = self.env["mail.message"].search(
            [("model", "=", "crm.lead"), ("res_id", "=", self.own.id)]
        )
        bodies = " ".join(str(body) for body in messages.mapped("body"))
        self.assertIn("Conflict status set by hand", bodies)
        tracking = self.env["mail.tracking.value"].search(
            [("mail_message_id", "in", messages.ids)]
        )
        self.assertIn("Waived", tracking.mapped("new_value_char"))
        for secret in ("Written consent", "Gallagher in 2019"):
            self.assertNotIn(secret, bodies)
            self.assertNotIn(
                secret,
                " ".join(
                    str(value)
                    for value in tracking.mapped("old_value_char")
                    + tracking.mapped("new_value_char")
                ),
            )

    def test_nobody_edits_the_log(self):
        row = self.own.milestone_log_ids[:1]
        log = self.env["crm.lead.milestone.log"]
        for user in (*self.users.values(), self.branch_attorney):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    row.with_user(user).write({"move_kind": "skip"})
                with self.assertRaises(AccessError):
                    log.with_user(user).create(
                        {"lead_id": self.own.id, "move_kind": "next"}
                    )

    def test_only_intake_managers_delete_log_rows(self):
        row = self.own.milestone_log_ids[:1]
        for role in ("plain", "staff", "attorney", "admin"):
            with self.subTest(role=role), self.assertRaises(AccessError):
                row.with_user(self.users[role]).unlink()
        row.with_user(self.users["manager"]).unlink()
        self.assertFalse(row.exists())

    def test_only_intake_managers_bypass_the_gate(self):
        self.env.company.conflict_gate = True
        self.own.conflict_status = "conflict"
        staff = self.own.with_user(self.users["staff"])
        appointment = {"stage_id": self.stages["appointment_made"].id}
        with self.assertRaises(UserError):
            staff.write(appointment)
        bypass = {
            "conflict_gate_bypass": True,
            "conflict_gate_bypass_reason": "Emergency",
        }
        for role in ("staff", "attorney"):
            with self.subTest(role=role), self.assertRaises(AccessError):
                self.own.with_user(self.users[role]).write(bypass)
        with self.assertRaises(AccessError):
            self.env["crm.lead"].with_user(self.users["attorney"]).create(
                {"name": "Rushed", **bypass}
            )
        self.assertFalse(self.own.conflict_gate_bypass)
        manager = self.users["manager"]
        self.own.with_user(manager).write(bypass)
        staff.write(appointment)
        self.assertRecordValues(
            self.own,
            [
                {
                    "milestone_role": "appointment_made",
                    "conflict_gate_bypass_user_id": manager.id,
                }
            ],
        )
