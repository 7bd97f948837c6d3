"""Settings, automation and the stages' history: what each setting really does
and what each scheduled action schedules, run directly in the test.

Times are written in UTC, as the database keeps them, with the firm's local
time beside them: the main office works in Chicago (UTC-6 in winter), the
branch in London (UTC+0 in winter), both 09:00-12:00 and 13:00-17:00, Monday
to Friday.
"""

from datetime import date, datetime

import lxml.html

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import MilestoneCase

CHICAGO = "America/Chicago"
LONDON = "Europe/London"
TOKYO = "Asia/Tokyo"

# Named by the local time, valued in UTC. 9 January 2026 is a Friday.
FRIDAY_1630 = "2026-01-09 22:30:00"  # in Chicago
MONDAY_0900_CHICAGO = "2026-01-12 15:00:00"
MONDAY_0900_LONDON = "2026-01-12 09:00:00"
MONDAY_1400_LONDON = "2026-01-12 14:00:00"
MONDAY_0945_CHICAGO = "2026-01-12 15:45:00"
TUESDAY_1000_CHICAGO = "2026-01-13 16:00:00"


def office_hours(env, name, tz, company):
    """A working calendar of 09:00-12:00 and 13:00-17:00, Monday to Friday,
    in ``tz``: the time zone is set here, never left to the default."""
    return env["resource.calendar"].create(
        {
            "name": name,
            "tz": tz,
            "company_id": company.id,
            "attendance_ids": [Command.clear()]
            + [
                Command.create(
                    {
                        "name": f"Day {day} {period}",
                        "dayofweek": day,
                        "hour_from": start,
                        "hour_to": end,
                        "day_period": period,
                    }
                )
                for day in "01234"
                for start, end, period in ((9, 12, "morning"), (13, 17, "afternoon"))
            ],
        }
    )


class AutomationCase(MilestoneCase):
    """Milestone fixtures plus a team leader and a London branch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.branch = cls.env["res.company"].create({"name": "London Branch LLP"})
        cls.branch_user = mail_new_test_user(
            cls.env,
            login="clm_london",
            name="Liam London",
            groups="sales_team.group_sale_salesman",
            company_id=cls.branch.id,
            tz=LONDON,
        )
        (cls.intake_user | cls.attorney).tz = CHICAGO
        cls.other_intake_user.tz = TOKYO
        # A lead without a salesperson reminds its team leader.
        cls.team.user_id = cls.attorney
        cls.leaderless_team = cls.env["crm.team"].create({"name": "Night Desk"})

    def _run_cron(self, xmlid):
        """Run a scheduled action as the scheduler does: its server action,
        as the cron's user (ir.cron._callback, without the commit)."""
        cron = self.env.ref(xmlid)
        cron.ir_actions_server_id.with_user(cron.user_id).run()

    def _activities(self, leads, xmlid, active=True):
        """{lead name: (assignee login, deadline)} of the activities of a type."""
        activities = (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search(
                [
                    ("res_model", "=", "crm.lead"),
                    ("res_id", "in", leads.ids),
                    ("activity_type_id", "=", self.env.ref(xmlid).id),
                    ("active", "=", active),
                ]
            )
        )
        names = {lead.id: lead.name for lead in leads}
        result = {}
        for activity in activities:
            self.assertNotIn(names[activity.res_id], result, "one activity per lead")
            result[names[activity.res_id]] = (
                activity.user_id.login,
                activity.date_deadline,
            )
        return result


@tagged("post_install", "-at_install")
class TestUrgentIntake(AutomationCase):
    """The urgent-intake threshold counts the working hours of the company's
    calendar; the call-now cron reminds whoever must call."""

    CALL = "crm_law_milestones.mail_activity_type_call_pnc"
    CRON = "crm_law_milestones.ir_cron_crm_lead_intake_urgent"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = office_hours(cls.env, "Chicago office", CHICAGO, cls.company)
        cls.company.write(
            {"resource_calendar_id": cls.calendar.id, "intake_urgent_after_hours": 1}
        )
        cls.branch.write(
            {
                "resource_calendar_id": office_hours(
                    cls.env, "London office", LONDON, cls.branch
                ).id,
                "intake_urgent_after_hours": 2,
            }
        )
        # An administrator opened the branch: the scheduler's own user is
        # not one of its users, and the cron must handle its leads anyway.
        cls.env.ref("base.user_root").company_ids -= cls.branch

    def _urgent_at(self, lead, when):
        """Whether ``lead`` is urgent at ``when``: the field and the Urgent
        Intake filter must agree."""
        with self._at(when):
            lead.invalidate_recordset(["is_intake_urgent"])
            found = (
                self.env["crm.lead"]
                .with_company(lead.company_id)
                .search([("id", "=", lead.id), ("is_intake_urgent", "=", True)])
            )
            self.assertEqual(bool(found), lead.is_intake_urgent, "search = compute")
            return lead.is_intake_urgent

    def test_threshold_counts_working_hours(self):
        with self._at(FRIDAY_1630):
            lead = self._lead("contact_info_received", user_id=self.intake_user.id)
        # Friday 16:30-17:00 is half an hour; the other half is Monday
        # 09:00-09:30, so the lead turns urgent just after Monday 09:30.
        self.assertEqual(
            self.company._intake_urgent_at(datetime(2026, 1, 9, 22, 30)),
            datetime(2026, 1, 12, 15, 30),
        )
        for when, urgent in [
            ("2026-01-09 23:30:00", False),  # Friday 17:30: one clock hour
            ("2026-01-10 18:00:00", False),  # Saturday noon
            ("2026-01-12 15:29:00", False),  # Monday 09:29
            ("2026-01-12 15:30:00", False),  # Monday 09:30: one hour, not more
            ("2026-01-12 15:31:00", True),  # Monday 09:31
        ]:
            with self.subTest(when=when):
                self.assertEqual(self._urgent_at(lead, when), urgent)

    def test_public_holiday_is_not_a_working_hour(self):
        # Monday 19 January 2026, Martin Luther King Jr. Day, local midnight
        # to midnight.
        self.env["resource.calendar.leaves"].create(
            {
                "name": "MLK Day",
                "calendar_id": self.calendar.id,
                "date_from": "2026-01-19 06:00:00",
                "date_to": "2026-01-20 06:00:00",
            }
        )
        with self._at("2026-01-16 22:30:00"):  # Friday 16:30
            lead = self._lead("contact_info_received")
        self.assertFalse(self._urgent_at(lead, "2026-01-19 15:31:00"))
        self.assertTrue(self._urgent_at(lead, "2026-01-20 15:31:00"))

    def test_no_calendar_counts_clock_hours(self):
        self.branch.resource_calendar_id = False
        with self._at("2026-01-10 10:00:00"):  # a Saturday
            lead = self._lead(
                "contact_info_received",
                company_id=self.branch.id,
                team_id=False,
                user_id=False,
            )
        self.assertFalse(self._urgent_at(lead, "2026-01-10 12:00:00"))
        self.assertTrue(self._urgent_at(lead, "2026-01-10 12:00:01"))

    def test_only_open_leads_in_contact_info_received_are_urgent(self):
        with self._at(FRIDAY_1630):
            answered = self._lead("contact_made")
            lost = self._lead("contact_info_received")
        lost.action_set_lost()
        self.assertFalse(self._urgent_at(answered, TUESDAY_1000_CHICAGO))
        self.assertFalse(self._urgent_at(lost, TUESDAY_1000_CHICAGO))

    def test_threshold_bounds_name_the_company(self):
        for hours in (0, -1, 720.5):
            with self.subTest(hours=hours):
                with self.assertRaises(ValidationError) as caught:
                    self.branch.intake_urgent_after_hours = hours
                self.assertIn(
                    "London Branch LLP: the urgent-intake threshold",
                    str(caught.exception),
                )
        for hours in (0.25, 720):
            self.branch.intake_urgent_after_hours = hours
            self.assertEqual(self.branch.intake_urgent_after_hours, hours)

    def _callers(self):
        """The leads of the cron tests, entering Contact Info Received."""
        new = self._lead
        with self._at(FRIDAY_1630):
            leads = (
                new("contact_info_received", name="Friday", user_id=self.intake_user.id)
                | new("contact_info_received", name="Team's", user_id=False)
                | new(
                    "contact_info_received",
                    name="Tokyo's",
                    user_id=self.other_intake_user.id,
                )
                | new(
                    "contact_info_received",
                    name="Nobody's",
                    user_id=False,
                    team_id=self.leaderless_team.id,
                )
                | new("contact_made", name="Answered", user_id=self.intake_user.id)
            )
        with self._at(MONDAY_0900_LONDON):
            leads |= new(
                "contact_info_received",
                name="London",
                user_id=self.branch_user.id,
                company_id=self.branch.id,
                team_id=False,
            )
        with self._at(MONDAY_1400_LONDON):
            leads |= new(
                "contact_info_received",
                name="London late",
                user_id=self.branch_user.id,
                company_id=self.branch.id,
                team_id=False,
            )
        with self._at(MONDAY_0900_CHICAGO):
            leads |= new(
                "contact_info_received", name="Monday", user_id=self.intake_user.id
            )
        return leads

    def test_cron_calls_for_urgent_leads_only(self):
        leads = self._callers()
        with self._at(MONDAY_0945_CHICAGO):
            self._run_cron(self.CRON)
        # Friday's leads turned urgent on Monday 09:30 in Chicago, which is
        # already Tuesday in Tokyo. "London" turned urgent at 11:00 by the
        # branch's own calendar and two-hour threshold (by the main office's
        # it would not be urgent yet). "Monday" (45 minutes) and "London
        # late" (1h45 of its two hours) are not urgent; "Nobody's" has no
        # salesperson and a team without a leader.
        self.assertEqual(
            self._activities(leads, self.CALL),
            {
                "Friday": ("clm_intake", date(2026, 1, 12)),
                "Team's": ("clm_attorney", date(2026, 1, 12)),
                "Tokyo's": ("clm_intake_other", date(2026, 1, 13)),
                "London": ("clm_london", date(2026, 1, 12)),
            },
        )
        activity = leads.filtered(lambda lead: lead.name == "Friday").activity_ids
        self.assertEqual(activity.activity_type_id.name, "Call the PNC now")
        self.assertEqual(activity.summary, "Call the prospective client now")

    def test_cron_twice_schedules_once_and_backdates_the_deadline(self):
        leads = self._callers()
        with self._at(MONDAY_0945_CHICAGO):
            self._run_cron(self.CRON)
            self._run_cron(self.CRON)
        self.assertEqual(len(self._activities(leads, self.CALL)), 4)
        with self._at(TUESDAY_1000_CHICAGO):
            self._run_cron(self.CRON)
            activities = self._activities(leads, self.CALL)
            # Both turned urgent on Monday: the call is due that day, and is
            # overdue on Tuesday.
            self.assertEqual(activities["Monday"], ("clm_intake", date(2026, 1, 12)))
            self.assertEqual(
                activities["London late"], ("clm_london", date(2026, 1, 12))
            )
            monday = leads.filtered(lambda lead: lead.name == "Monday")
            self.assertEqual(monday.activity_ids.state, "overdue")
        self.assertEqual(len(activities), 6)
        self.assertEqual(len(leads.activity_ids), 6)

    def test_cron_closes_the_call_of_a_lead_that_moved_on(self):
        leads = self._callers()
        with self._at(MONDAY_0945_CHICAGO):
            self._run_cron(self.CRON)
        friday = leads.filtered(lambda lead: lead.name == "Friday")
        team_lead = leads.filtered(lambda lead: lead.name == "Team's")
        calls = friday.activity_ids | team_lead.activity_ids
        with self._at("2026-01-12 16:00:00"):
            friday.with_user(self.intake_user).stage_id = self.stages["contact_made"]
            team_lead.action_set_lost()
            self._run_cron(self.CRON)
        self.assertEqual(calls.mapped("active"), [False, False])
        self.assertEqual(
            calls.mapped("feedback"), ["The lead left Contact Info Received."] * 2
        )
        self.assertEqual(set(self._activities(leads, self.CALL)), {"Tokyo's", "London"})


@tagged("post_install", "-at_install")
class TestWaitingOn(AutomationCase):
    """Waiting On says why and when to look again; the review cron reminds."""

    REVIEW = "crm_law_milestones.mail_activity_type_review_waiting"
    CRON = "crm_law_milestones.ir_cron_crm_lead_waiting_review"
    MONDAY = "2026-03-02 15:00:00"  # Monday 2 March 2026, 09:00 in Chicago

    def test_reason_required_whatever_the_path(self):
        waiting = self.stages["waiting_on"]
        lead = self._lead("contact_made", name="Needs a reason")
        other = self._lead("contact_made", name="Also needs one")
        one = "Needs a reason: say what they are waiting on"
        paths = {
            "write": (lambda: lead.write({"stage_id": waiting.id}), one),
            "bulk write": (
                lambda: (lead | other).write({"stage_id": waiting.id}),
                "Needs a reason, Also needs one: say what they are waiting on",
            ),
            "create": (
                lambda: self.env["crm.lead"].create(
                    {"name": "Needs a reason", "stage_id": waiting.id}
                ),
                one,
            ),
            "kanban drag": (
                lambda: lead.web_save({"stage_id": waiting.id}, {}),
                one,
            ),
        }
        for path, (move, message) in paths.items():
            with self.subTest(path=path):
                with self.assertRaises(ValidationError) as caught:
                    move()
                self.assertIn(message, str(caught.exception))
                self.assertEqual(
                    (lead | other).mapped("milestone_role"), ["contact_made"] * 2
                )
        result = self.env["crm.lead"].load(
            [".id", "stage_id/.id"], [[str(lead.id), str(waiting.id)]]
        )
        self.assertFalse(result["ids"])
        self.assertIn("Waiting Reason", result["messages"][0]["message"])

        lead.write({"stage_id": waiting.id, "waiting_reason": "waiting_period"})
        self.assertEqual(lead.milestone_role, "waiting_on")
        with self.assertRaises(ValidationError):
            lead.waiting_reason = False

    def test_review_date_defaults_to_the_company_interval(self):
        self.company.waiting_review_days = 10
        self.branch.waiting_review_days = 30
        with self._at(self.MONDAY):
            moved = self._lead("contact_made")
            moved.write(
                {"stage_id": self.stages["waiting_on"].id, "waiting_reason": "funds"}
            )
            created = self._lead("waiting_on")
            branch = self._lead("waiting_on", company_id=self.branch.id, team_id=False)
            given = self._lead("contact_made")
            given.write(
                {
                    "stage_id": self.stages["waiting_on"].id,
                    "waiting_reason": "client_not_ready",
                    "waiting_review_date": "2026-06-01",
                }
            )
            created_given = self._lead("waiting_on", waiting_review_date="2026-04-15")
        self.assertEqual(moved.waiting_review_date, date(2026, 3, 12))
        self.assertEqual(created.waiting_review_date, date(2026, 3, 12))
        self.assertEqual(branch.waiting_review_date, date(2026, 4, 1))
        self.assertEqual(given.waiting_review_date, date(2026, 6, 1))
        self.assertEqual(created_given.waiting_review_date, date(2026, 4, 15))

    def test_back_on_the_main_path_forgets_the_wait(self):
        lead = self._lead(
            "waiting_on",
            waiting_note="Wire from the insurer",
            waiting_review_date="2026-05-01",
        )
        lead.stage_id = self.stages["initial_consult"]
        self.assertRecordValues(
            lead,
            [
                {
                    "waiting_reason": False,
                    "waiting_note": False,
                    "waiting_review_date": False,
                }
            ],
        )
        self.assertEqual(
            self._rows(lead)[-1], ("waiting_on", "initial_consult", "resume")
        )
        # The next wait asks again.
        with self.assertRaises(ValidationError):
            lead.stage_id = self.stages["waiting_on"]

    def test_review_interval_bounds_name_the_company(self):
        for days in (0, -3, 366):
            with self.subTest(days=days):
                with self.assertRaises(ValidationError) as caught:
                    self.branch.waiting_review_days = days
                self.assertIn(
                    "London Branch LLP: the Waiting On review interval",
                    str(caught.exception),
                )
        for days in (1, 365):
            self.branch.waiting_review_days = days
            self.assertEqual(self.branch.waiting_review_days, days)

    def test_review_cron_reminds_on_the_review_date_once(self):
        new = self._lead
        with self._at(self.MONDAY):
            leads = (
                new(
                    "waiting_on",
                    name="Due",
                    user_id=self.intake_user.id,
                    waiting_review_date="2026-03-02",
                )
                | new(
                    "waiting_on",
                    name="Overdue",
                    user_id=self.other_intake_user.id,
                    waiting_review_date="2026-03-01",
                )
                | new(
                    "waiting_on",
                    name="Team's",
                    user_id=False,
                    waiting_review_date="2026-03-02",
                )
                | new(
                    "waiting_on",
                    name="Next week",
                    user_id=self.intake_user.id,
                    waiting_review_date="2026-03-09",
                )
                | new("contact_made", name="Not waiting", user_id=self.intake_user.id)
            )
            self._run_cron(self.CRON)
            self._run_cron(self.CRON)
        expected = {
            "Due": ("clm_intake", date(2026, 3, 2)),
            "Overdue": ("clm_intake_other", date(2026, 3, 1)),
            "Team's": ("clm_attorney", date(2026, 3, 2)),
        }
        self.assertEqual(self._activities(leads, self.REVIEW), expected)
        with self._at("2026-03-09 15:00:00"):
            self._run_cron(self.CRON)
        expected["Next week"] = ("clm_intake", date(2026, 3, 9))
        self.assertEqual(self._activities(leads, self.REVIEW), expected)
        due = leads.filtered(lambda lead: lead.name == "Due")
        self.assertEqual(due.activity_ids.summary, "Review the waiting lead")

    def test_a_done_review_is_not_asked_again(self):
        with self._at(self.MONDAY):
            lead = self._lead(
                "waiting_on",
                user_id=self.intake_user.id,
                waiting_review_date="2026-03-02",
            )
            self._run_cron(self.CRON)
            lead.activity_ids.with_user(self.intake_user).action_feedback(
                feedback="Funds expected next month"
            )
        # The hourly cron runs again the same day: the review was done.
        with self._at("2026-03-02 16:00:00"):
            self._run_cron(self.CRON)
        self.assertFalse(self._activities(lead, self.REVIEW))
        self.assertEqual(
            self._activities(lead, self.REVIEW, active=False),
            {"PNC": ("clm_intake", date(2026, 3, 2))},
        )
        # A new review date asks again, on that day.
        lead.waiting_review_date = "2026-04-01"
        with self._at("2026-04-01 15:00:00"):
            self._run_cron(self.CRON)
        self.assertEqual(
            self._activities(lead, self.REVIEW),
            {"PNC": ("clm_intake", date(2026, 4, 1))},
        )


@tagged("post_install", "-at_install")
class TestAutoContactInfo(AutomationCase):
    """A lead in Awaiting Info given an email or a phone moves to Contact Info
    Received, logged like any other move, when its company wants it."""

    MOVED = [
        (False, "awaiting_info", "entry"),
        ("awaiting_info", "contact_info_received", "next"),
    ]
    STAYED = [(False, "awaiting_info", "entry")]

    def test_email_or_phone_moves_the_lead(self):
        by_email = self._lead("awaiting_info", user_id=self.intake_user.id)
        by_phone = self._lead("awaiting_info")
        by_email.with_user(self.intake_user).email_from = "pnc@example.com"
        by_phone.write({"phone": "+1 312 555 0100"})
        for lead in (by_email, by_phone):
            self.assertEqual(self._rows(lead), self.MOVED)
        self.assertEqual(
            by_email.milestone_log_ids.sorted("id")[-1].user_id, self.intake_user
        )

    def test_a_contact_with_an_email_moves_the_lead(self):
        # Picking the contact fills in the lead's email, as at creation.
        partner = self.env["res.partner"].create(
            {"name": "Known Caller", "email": "known@example.com"}
        )
        lead = self._lead("awaiting_info")
        lead.partner_id = partner
        self.assertEqual(lead.email_from, "known@example.com")
        self.assertEqual(self._rows(lead), self.MOVED)
        created = self.env["crm.lead"].create(
            {"name": "Known again", "partner_id": partner.id}
        )
        self.assertEqual(self._rows(created), self.MOVED)

    def test_create_without_a_stage_moves_the_lead(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "Web form",
                "type": "opportunity",
                "team_id": self.team.id,
                "email_from": "web@example.com",
            }
        )
        self.assertEqual(self._rows(lead), self.MOVED)
        lead = self.env["crm.lead"].create(
            {"name": "Walk-in", "type": "lead", "phone": "555 0101"}
        )
        self.assertEqual(self._rows(lead), self.MOVED)
        lead = self.env["crm.lead"].create({"name": "Rumour", "type": "opportunity"})
        self.assertEqual(self._rows(lead), self.STAYED)

    def test_an_explicit_stage_wins(self):
        awaiting = self.stages["awaiting_info"]
        created = self._lead("awaiting_info", email_from="given@example.com")
        quick = (
            self.env["crm.lead"]
            .with_context(default_stage_id=awaiting.id)
            .create({"name": "Kanban quick create", "email_from": "quick@example.com"})
        )
        back = self._lead("contact_made")
        back.write({"stage_id": awaiting.id, "email_from": "back@example.com"})
        for lead in (created, quick, back):
            with self.subTest(lead=lead.name):
                self.assertEqual(lead.milestone_role, "awaiting_info")
        self.assertEqual(self._rows(created), self.STAYED)

    def test_other_milestones_are_left_alone(self):
        lead = self._lead("contact_made")
        lead.email_from = "later@example.com"
        self.assertEqual(self._rows(lead), [(False, "contact_made", "entry")])

    def test_setting_off_keeps_the_lead_waiting_for_details(self):
        self.company.intake_auto_contact_info = False
        lead = self._lead("awaiting_info")
        lead.email_from = "pnc@example.com"
        created = self.env["crm.lead"].create({"name": "Web form", "phone": "555 0102"})
        branch = self._lead("awaiting_info", company_id=self.branch.id, team_id=False)
        # One write over both companies: each follows its own setting.
        (lead | branch).write({"phone": "555 0103"})
        self.assertEqual(self._rows(lead), self.STAYED)
        self.assertEqual(self._rows(created), self.STAYED)
        self.assertEqual(self._rows(branch), self.MOVED)


@tagged("post_install", "-at_install")
class TestConflictGateStart(AutomationCase):
    """The conflict gate starts at the company's chosen milestone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {"conflict_gate": True, "conflict_gate_from_role": "initial_consult"}
        )

    def test_gated_roles_follow_the_setting(self):
        self.assertEqual(
            self.company._conflict_gated_roles(),
            {"initial_consult", "retainer_signed", "retainer_funded"},
        )
        self.company.conflict_gate_from_role = "contact_made"
        self.assertEqual(
            self.company._conflict_gated_roles(),
            {
                "contact_made",
                "appointment_made",
                "initial_consult",
                "retainer_signed",
                "retainer_funded",
            },
        )
        self.company.conflict_gate = False
        self.assertEqual(self.company._conflict_gated_roles(), set())

    def test_unchecked_lead_books_but_is_stopped_at_the_consult(self):
        lead = self._lead("contact_made", name="Unchecked PNC")
        lead.stage_id = self.stages["appointment_made"]
        self.assertEqual(lead.milestone_role, "appointment_made")
        for role in ("initial_consult", "retainer_signed"):
            with self.subTest(role=role):
                with self.assertRaises(UserError) as caught:
                    lead.stage_id = self.stages[role]
                # The gate refuses with a UserError, not a ValidationError.
                self.assertIs(type(caught.exception), UserError)
                self.assertIn(
                    f"cannot enter {self.stages[role].name} until their conflict check",
                    str(caught.exception),
                )
                self.assertIn("Unchecked PNC: Not Run", str(caught.exception))
                self.assertEqual(lead.milestone_role, "appointment_made")
        # Waiting On is not gated; the gate stops the lead where it goes next.
        lead.write(
            {"stage_id": self.stages["waiting_on"].id, "waiting_reason": "funds"}
        )
        with self.assertRaises(UserError):
            lead.stage_id = self.stages["initial_consult"]
        self.assertEqual(lead.milestone_role, "waiting_on")
        lead.conflict_status = "clear"
        lead.stage_id = self.stages["initial_consult"]
        self.assertEqual(lead.milestone_role, "initial_consult")

    def test_create_follows_the_gate_start(self):
        self.assertEqual(
            self._lead("appointment_made").milestone_role, "appointment_made"
        )
        with self.assertRaises(UserError) as caught:
            self._lead("initial_consult", name="Straight to consult")
        self.assertIn("Straight to consult: Not Run", str(caught.exception))

    def test_earlier_start_stops_the_lead_at_contact_made(self):
        self.company.conflict_gate_from_role = "contact_made"
        lead = self._lead("contact_info_received")
        with self.assertRaises(UserError):
            lead.stage_id = self.stages["contact_made"]
        self.assertEqual(lead.milestone_role, "contact_info_received")

    def test_other_company_keeps_its_own_gate(self):
        lead = self._lead("appointment_made", company_id=self.branch.id, team_id=False)
        lead.stage_id = self.stages["retainer_signed"]
        self.assertEqual(lead.milestone_role, "retainer_signed")


@tagged("post_install", "-at_install")
class TestMilestoneDates(AutomationCase):
    """The consult and retainer dates are the latest entry into each, read
    from the log whatever the path."""

    def test_dates_follow_the_moves(self):
        with self._at("2026-02-02 14:00:00"):
            lead = self._lead("appointment_made")
        with self._at("2026-02-09 15:30:00"):
            lead.stage_id = self.stages["initial_consult"]
        with self._at("2026-02-10 16:00:00"):
            lead.stage_id = self.stages["retainer_signed"]
        self.assertRecordValues(
            lead,
            [
                {
                    "initial_consult_date": datetime(2026, 2, 9, 15, 30),
                    "retainer_signed_date": datetime(2026, 2, 10, 16, 0),
                    "retainer_funded_date": False,
                }
            ],
        )
        with self._at("2026-02-12 17:00:00"):
            lead.action_set_won()
        with self._at("2026-02-20 18:00:00"):
            # Reopened back to a second consult: the latest entry counts.
            lead.stage_id = self.stages["initial_consult"]
        self.assertRecordValues(
            lead,
            [
                {
                    "initial_consult_date": datetime(2026, 2, 20, 18, 0),
                    "retainer_signed_date": datetime(2026, 2, 10, 16, 0),
                    "retainer_funded_date": datetime(2026, 2, 12, 17, 0),
                }
            ],
        )
        logged = {
            log.to_role: log.date
            for log in lead.milestone_log_ids.sorted(lambda log: (log.date, log.id))
        }
        self.assertEqual(logged["initial_consult"], lead.initial_consult_date)
        self.assertEqual(logged["retainer_funded"], lead.retainer_funded_date)

    def test_create_bulk_write_and_skip(self):
        with self._at("2026-02-02 14:00:00"):
            created = self._lead("retainer_signed")
            skipped = self._lead("contact_made")
            other = self._lead("contact_made")
        with self._at("2026-02-03 10:00:00"):
            (skipped | other).write({"stage_id": self.stages["retainer_signed"].id})
        self.assertEqual(created.retainer_signed_date, datetime(2026, 2, 2, 14, 0))
        self.assertEqual(
            (skipped | other).mapped("retainer_signed_date"),
            [datetime(2026, 2, 3, 10, 0)] * 2,
        )
        # A skip passes over the consult without entering it.
        self.assertFalse(skipped.initial_consult_date)

    def test_a_refresh_rebuilds_the_dates_from_the_log(self):
        with self._at("2026-02-02 14:00:00"):
            lead = self._lead("initial_consult")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET initial_consult_date = NULL WHERE id = %s", [lead.id]
        )
        lead.invalidate_recordset(["initial_consult_date"])
        self.assertFalse(lead.initial_consult_date)
        self.env["crm.lead.milestone.log"]._refresh_summary(lead.ids)
        self.assertEqual(lead.initial_consult_date, datetime(2026, 2, 2, 14, 0))

    def test_consult_event_and_copy(self):
        with self._at("2026-02-02 14:00:00"):
            lead = self._lead("initial_consult")
        event = self.env["calendar.event"].create(
            {
                "name": "Initial consultation",
                "start": "2026-02-05 15:00:00",
                "stop": "2026-02-05 16:00:00",
                "opportunity_id": lead.id,
            }
        )
        lead.consult_event_id = event
        # A copy starts over in the first milestone: no consult, no dates.
        self.assertRecordValues(
            lead.copy(),
            [
                {
                    "milestone_role": "awaiting_info",
                    "consult_event_id": False,
                    "initial_consult_date": False,
                }
            ],
        )
        event.unlink()
        self.assertFalse(lead.consult_event_id)
        self.assertEqual(lead.initial_consult_date, datetime(2026, 2, 2, 14, 0))


def summary_table(html):
    """The stage summary as (column labels, {milestone: cells})."""
    root = lxml.html.fromstring(html)
    head = [cell.text_content() for cell in root.xpath("//thead/tr/th")][1:]
    rows = {
        row.xpath("./th")[0].text_content(): [
            (cell.text_content(), cell.get("class")) for cell in row.xpath("./td")
        ]
        for row in root.xpath("//tbody/tr")
    }
    return head, rows


@tagged("post_install", "-at_install")
class TestSettingsPage(AutomationCase):
    """CRM > Settings > Law Firm Intake writes the company; its summary and
    warnings say what each team's stages play."""

    def _settings(self, company=None):
        return (
            self.env["res.config.settings"]
            .with_company(company or self.company)
            .create({})
        )

    def test_settings_write_the_company(self):
        reviewer = mail_new_test_user(
            self.env,
            login="clm_reviewer",
            name="Rita Reviewer",
            groups="crm_law_milestones.group_conflict_check",
        )
        state = self.env["res.country.state"].create(
            {
                "name": "Intake County",
                "code": "ICX",
                "country_id": self.env.ref("base.us").id,
            }
        )
        values = {
            "intake_urgent_after_hours": 2.5,
            "intake_auto_contact_info": False,
            "waiting_review_days": 21,
            "conflict_gate": True,
            "conflict_gate_from_role": "initial_consult",
            "conflict_firm_wide": True,
        }
        settings = self.env["res.config.settings"].create(
            {
                **values,
                "conflict_reviewer_ids": [Command.set(reviewer.ids)],
                "service_area_state_ids": [Command.set(state.ids)],
            }
        )
        settings.execute()
        self.assertRecordValues(self.company, [values])
        self.assertEqual(self.company.conflict_reviewer_ids, reviewer)
        self.assertEqual(self.company.service_area_state_ids, state)
        # The branch keeps its defaults, and its own page shows them.
        self.assertRecordValues(
            self.branch,
            [
                {
                    "intake_urgent_after_hours": 1.0,
                    "intake_auto_contact_info": True,
                    "waiting_review_days": 14,
                    "conflict_gate": False,
                    "conflict_gate_from_role": "appointment_made",
                    "conflict_firm_wide": False,
                }
            ],
        )
        branch_page = self._settings(self.branch)
        self.assertEqual(branch_page.waiting_review_days, 14)
        branch_page.waiting_review_days = 7
        branch_page.execute()
        self.assertEqual(self.branch.waiting_review_days, 7)
        self.assertEqual(self.company.waiting_review_days, 21)
        self.assertEqual(self._settings().waiting_review_days, 21)

    def test_settings_refuse_bad_values(self):
        with self.assertRaises(ValidationError) as caught:
            self.env["res.config.settings"].with_company(self.branch).create(
                {"waiting_review_days": 0}
            ).execute()
        self.assertIn("London Branch LLP", str(caught.exception))
        self.assertEqual(self.branch.waiting_review_days, 14)

    def test_warnings_name_a_missing_role_and_two_funded_stages(self):
        self.assertFalse(self._settings().milestone_stage_warnings)
        litigation = self.env["crm.team"].create({"name": "Litigation"})
        self.env["crm.stage"].create(
            {
                "name": "Funded (litigation)",
                "sequence": 75,
                "milestone_role": "retainer_funded",
                "is_won": True,
                "team_ids": [Command.set(litigation.ids)],
            }
        )
        # Waiting On becomes Litigation's own: the other teams have none.
        self.stages["waiting_on"].team_ids = litigation
        warnings = lxml.html.fromstring(self._settings().milestone_stage_warnings)
        self.assertEqual(
            [item.text_content() for item in warnings.xpath("//li")],
            [
                "Litigation: Retainer Funded, Funded (litigation) all play "
                "Retainer Funded; only one may (it is the won stage).",
                "Other teams (shared stages): no stage plays Waiting On.",
            ],
        )

    def test_summary_gives_each_team_with_own_stages_a_column(self):
        head, rows = summary_table(self._settings().milestone_stage_summary)
        self.assertEqual(head, ["All teams"])
        self.assertEqual(rows["Contact Made"], [("Contact Made", None)])
        estates, litigation = self.env["crm.team"].create(
            [{"name": "Estates"}, {"name": "Litigation"}]
        )
        self.env["crm.stage"].create(
            {
                "name": "Called Back",
                "sequence": 35,
                "milestone_role": "contact_made",
                "team_ids": [Command.set(litigation.ids)],
            }
        )
        self.stages["waiting_on"].team_ids = estates
        head, rows = summary_table(self._settings().milestone_stage_summary)
        self.assertEqual(head, ["Estates", "Litigation", "Other teams (shared stages)"])
        self.assertEqual(
            rows["Contact Made"],
            [
                ("Contact Made", None),
                ("Contact Made, Called Back", None),
                ("Contact Made", None),
            ],
        )
        self.assertEqual(
            rows["Waiting On"],
            [("Waiting On", None), ("-", "text-danger"), ("-", "text-danger")],
        )
        self.assertEqual(len(rows), 10)


@tagged("post_install", "-at_install")
class TestStageHistoryGuard(AutomationCase):
    """Stages keep the history written about them."""

    def test_stage_with_history_cannot_be_deleted(self):
        screening, unused = self.env["crm.stage"].create(
            [
                {"name": "Screening", "sequence": 25, "milestone_role": "contact_made"},
                {"name": "Never used", "sequence": 26},
            ]
        )
        lead = self._lead("contact_info_received")
        lead.stage_id = screening
        lead.stage_id = self.stages["appointment_made"]
        # Only left behind now, still in the log as from_stage and to_stage.
        with self.assertRaises(UserError) as caught:
            (screening | unused).unlink()
        self.assertEqual(
            str(caught.exception),
            "Stage Screening has milestone history and cannot be deleted. Fold "
            "it or give it no milestone role instead; its history stays in the "
            "reports.",
        )
        self.assertEqual(len((screening | unused).exists()), 2)
        unused.unlink()
        self.assertFalse(unused.exists())

    def test_role_change_never_rewrites_the_log(self):
        screening = self.env["crm.stage"].create(
            {"name": "Screening", "sequence": 25, "milestone_role": "contact_made"}
        )
        lead = self._lead("contact_info_received")
        lead.stage_id = screening
        lead.stage_id = self.stages["appointment_made"]
        lead.stage_id = screening
        screening.milestone_role = "initial_consult"
        self.assertEqual(
            self._rows(lead),
            [
                (False, "contact_info_received", "entry"),
                ("contact_info_received", "contact_made", "next"),
                ("contact_made", "appointment_made", "next"),
                ("appointment_made", "contact_made", "back"),
            ],
        )
        # The next move is logged with the new role.
        lead.stage_id = self.stages["retainer_signed"]
        self.assertEqual(
            self._rows(lead)[-1], ("initial_consult", "retainer_signed", "next")
        )
