from contextlib import contextmanager
from datetime import date, datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MilestoneCase


@contextmanager
def _frozen(env, when):
    """MilestoneCase._at for setUpClass: clock and transaction NOW()."""
    moment = datetime.fromisoformat(when)
    with freeze_time(moment), patch.object(env.cr, "now", lambda: moment):
        yield
        env.flush_all()


class ReportCase(MilestoneCase):
    """Four leads with a history worked out by hand (all times UTC).

    A (Ines): created in Contact Info Received on Jan 5 10:00, Contact Made
      at 12:00, skips to Initial Consult on Jan 8, Retainer Signed on Jan 20,
      won (Retainer Funded) on Jan 30.
    B (Omar): created in Awaiting Info on Jan 6 09:00, Contact Info Received
      Jan 7, Contact Made Jan 9, Waiting On Jan 12, back to Contact Made on
      Feb 2, lost on Feb 4.
    C (nobody): created in Contact Made on Jan 10 08:00, Appointment Made
      Jan 15, back to Contact Made Jan 16, refused Jan 22.
    D (Ines): created in Contact Info Received on Jan 12 15:00, never
      answered.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        stage = cls.stages
        with _frozen(cls.env, "2026-01-05 10:00:00"):
            cls.lead_a = cls._lead(
                "contact_info_received",
                name="A",
                user_id=cls.intake_user.id,
                expected_revenue=1000,
            )
        with _frozen(cls.env, "2026-01-05 12:00:00"):
            cls.lead_a.stage_id = stage["contact_made"]
        with _frozen(cls.env, "2026-01-06 09:00:00"):
            cls.lead_b = cls._lead(
                "awaiting_info", name="B", user_id=cls.other_intake_user.id
            )
        with _frozen(cls.env, "2026-01-07 09:00:00"):
            cls.lead_b.stage_id = stage["contact_info_received"]
        with _frozen(cls.env, "2026-01-08 12:00:00"):
            cls.lead_a.stage_id = stage["initial_consult"]
        with _frozen(cls.env, "2026-01-09 09:00:00"):
            cls.lead_b.stage_id = stage["contact_made"]
        with _frozen(cls.env, "2026-01-10 08:00:00"):
            cls.lead_c = cls._lead("contact_made", name="C", user_id=False)
        with _frozen(cls.env, "2026-01-12 09:00:00"):
            cls.lead_b.write(
                {"stage_id": stage["waiting_on"].id, "waiting_reason": "funds"}
            )
        with _frozen(cls.env, "2026-01-12 15:00:00"):
            cls.lead_d = cls._lead(
                "contact_info_received",
                name="D",
                user_id=cls.intake_user.id,
                expected_revenue=2000,
            )
        with _frozen(cls.env, "2026-01-15 08:00:00"):
            cls.lead_c.stage_id = stage["appointment_made"]
        with _frozen(cls.env, "2026-01-16 08:00:00"):
            cls.lead_c.stage_id = stage["contact_made"]
        with _frozen(cls.env, "2026-01-20 12:00:00"):
            cls.lead_a.stage_id = stage["retainer_signed"]
        with _frozen(cls.env, "2026-01-22 08:00:00"):
            cls.lead_c.write(
                {
                    "stage_id": stage["refused"].id,
                    "refusal_reason_id": cls.env.ref(
                        "crm_law_milestones.crm_refusal_reason_case_type"
                    ).id,
                }
            )
        with _frozen(cls.env, "2026-01-30 12:00:00"):
            cls.lead_a.action_set_won()
        with _frozen(cls.env, "2026-02-02 09:00:00"):
            cls.lead_b.stage_id = stage["contact_made"]
        with _frozen(cls.env, "2026-02-04 09:00:00"):
            cls.lead_b.action_set_lost()
        cls.leads = cls.lead_a | cls.lead_b | cls.lead_c | cls.lead_d

    def _group(self, model, groupby, aggregates, domain=(), user=None):
        """{group values: aggregates} of a report, restricted to our leads."""
        report = self.env[model]
        if user:
            report = report.with_user(user)
        domain = [*domain]
        if "lead_id" in report._fields:
            domain.append(("lead_id", "in", self.leads.ids))
        else:
            domain.append(("team_id", "=", self.team.id))
        rows = report._read_group(domain, groupby, aggregates)
        size = len(groupby)
        return {
            row[:size] if size > 1 else row[0]: row[size:]
            if len(aggregates) > 1
            else row[size]
            for row in rows
        }


@tagged("post_install", "-at_install")
class TestReportNumbers(ReportCase):
    def test_history_is_as_described(self):
        # The fixtures themselves: lost and refused leads are archived.
        self.assertEqual(self.lead_a.milestone_role, "retainer_funded")
        self.assertEqual(self.lead_b.milestone_role, "lost")
        self.assertEqual(self.lead_c.milestone_role, "refused")
        self.assertFalse(self.lead_b.active or self.lead_c.active)

    def test_funnel(self):
        groups = self._group(
            "crm.milestone.funnel.report",
            ["milestone"],
            [
                "lead_count:sum",
                "previous_count:sum",
                "dropped_count:sum",
                "conversion_previous:avg",
                "conversion_top:avg",
            ],
        )
        # Furthest: A funded, B Contact Made, C Appointment Made, D Contact
        # Info Received; everyone counts at Awaiting Info.
        self.assertEqual(
            list(groups),
            [
                "awaiting_info",
                "contact_info_received",
                "contact_made",
                "appointment_made",
                "initial_consult",
                "retainer_signed",
                "retainer_funded",
            ],
            "milestones come in path order, not alphabetical",
        )
        expected = {
            "awaiting_info": (4, 4, 0, 100.0, 100.0),
            "contact_info_received": (4, 4, 0, 100.0, 100.0),
            "contact_made": (3, 4, 1, 75.0, 75.0),
            "appointment_made": (2, 3, 1, 200 / 3, 50.0),
            "initial_consult": (1, 2, 1, 50.0, 25.0),
            "retainer_signed": (1, 1, 0, 100.0, 25.0),
            "retainer_funded": (1, 1, 0, 100.0, 25.0),
        }
        for milestone, numbers in expected.items():
            for got, want in zip(groups[milestone], numbers, strict=True):
                self.assertAlmostEqual(got, want, places=6, msg=milestone)

    def test_funnel_ratios_hold_per_salesperson(self):
        groups = self._group(
            "crm.milestone.funnel.report",
            ["user_id", "milestone"],
            ["lead_count:sum", "conversion_previous:avg", "conversion_top:avg"],
        )
        # Ines: A (funded) and D (Contact Info Received).
        ines = self.intake_user
        self.assertEqual(groups[ines, "contact_info_received"], (2, 100.0, 100.0))
        self.assertEqual(groups[ines, "contact_made"], (1, 50.0, 50.0))
        self.assertEqual(groups[ines, "appointment_made"], (1, 100.0, 50.0))
        # Omar: B, which stopped at Contact Made.
        omar = self.other_intake_user
        self.assertEqual(groups[omar, "contact_made"], (1, 100.0, 100.0))
        self.assertEqual(groups[omar, "appointment_made"], (0, 0.0, 0.0))

    def test_funnel_by_practice_area(self):
        area = self.env["crm.practice.area"].create({"name": "Elder Law"})
        self.lead_d.practice_area_id = area
        groups = self._group(
            "crm.milestone.funnel.report",
            ["milestone"],
            ["lead_count:sum", "conversion_previous:avg"],
            domain=[("practice_area_id", "=", area.id)],
        )
        # D alone: reached Contact Info Received, not Contact Made.
        self.assertEqual(groups["contact_info_received"], (1, 100.0))
        self.assertEqual(groups["contact_made"], (0, 0.0))

    def test_flow_matrix(self):
        groups = self._group(
            "crm.milestone.flow.report",
            ["from_milestone", "to_milestone", "move_kind"],
            ["__count"],
        )
        self.assertEqual(
            groups,
            {
                ("created", "awaiting_info", "entry"): 1,
                ("created", "contact_info_received", "entry"): 2,
                ("created", "contact_made", "entry"): 1,
                ("awaiting_info", "contact_info_received", "next"): 1,
                ("contact_info_received", "contact_made", "next"): 2,
                ("contact_made", "appointment_made", "next"): 1,
                ("contact_made", "initial_consult", "skip"): 1,
                ("contact_made", "waiting_on", "waiting"): 1,
                ("contact_made", "lost", "lost"): 1,
                ("contact_made", "refused", "refused"): 1,
                ("appointment_made", "contact_made", "back"): 1,
                ("initial_consult", "retainer_signed", "next"): 1,
                ("retainer_signed", "retainer_funded", "next"): 1,
                ("waiting_on", "contact_made", "resume"): 1,
            },
        )
        leads = self._group(
            "crm.milestone.flow.report",
            ["to_milestone"],
            ["__count", "lead_count:count_distinct"],
        )
        # Contact Made was entered five times (A, B twice, C twice) by three
        # leads.
        self.assertEqual(leads["contact_made"], (5, 3))

    def test_outcomes(self):
        groups = self._group(
            "crm.milestone.outcome.report",
            ["lead_id"],
            ["last_milestone:max", "furthest_milestone:max", "outcome:max"],
        )
        self.assertEqual(
            groups,
            {
                self.lead_a: ("retainer_signed", "retainer_funded", "funded"),
                self.lead_b: ("contact_made", "contact_made", "lost"),
                self.lead_c: ("contact_made", "appointment_made", "refused"),
                self.lead_d: (
                    "contact_info_received",
                    "contact_info_received",
                    "open",
                ),
            },
        )

    def test_stage_chart_week_and_month_ends(self):
        # Weeks start on Sunday: they end on Saturdays, counted at the local
        # midnight that starts Sunday.
        self.env["res.lang"]._lang_get("en_US").week_start = "7"
        report = "crm.milestone.stage.history.report"
        self.env = self.env(context=dict(self.env.context, tz="UTC", lang="en_US"))
        weeks = self._group(
            report,
            ["date:day", "milestone"],
            ["lead_count:sum"],
            domain=[("period", "=", "week"), ("date", "<=", "2026-01-31")],
        )
        self.assertEqual(
            {(day, role): count for (day, role), count in weeks.items()},
            {
                (date(2026, 1, 10), "contact_made"): 2,
                (date(2026, 1, 10), "initial_consult"): 1,
                (date(2026, 1, 17), "contact_info_received"): 1,
                (date(2026, 1, 17), "contact_made"): 1,
                (date(2026, 1, 17), "initial_consult"): 1,
                (date(2026, 1, 17), "waiting_on"): 1,
                (date(2026, 1, 24), "contact_info_received"): 1,
                (date(2026, 1, 24), "retainer_signed"): 1,
                (date(2026, 1, 24), "waiting_on"): 1,
                (date(2026, 1, 31), "contact_info_received"): 1,
                (date(2026, 1, 31), "waiting_on"): 1,
            },
        )
        months = self._group(
            report,
            ["date:day", "milestone"],
            ["lead_count:sum"],
            domain=[("period", "=", "month"), ("date", "<=", "2026-02-28")],
        )
        self.assertEqual(
            {(day, role): count for (day, role), count in months.items()},
            {
                (date(2026, 1, 31), "contact_info_received"): 1,
                (date(2026, 1, 31), "waiting_on"): 1,
                (date(2026, 2, 28), "contact_info_received"): 1,
            },
        )

    def test_stage_chart_follows_the_users_timezone(self):
        # B went back to Contact Made on Feb 2 09:00 UTC: in Auckland
        # (UTC+13) that is 22:00 on Feb 2, still before the end of that day;
        # in Honolulu (UTC-10) it is 23:00 on Feb 1, so at the end of
        # Sunday Feb 1 B was already back in Contact Made there.
        self.env["res.lang"]._lang_get("en_US").week_start = "1"
        report = "crm.milestone.stage.history.report"
        for tz, role in (
            ("Pacific/Auckland", "waiting_on"),
            ("Pacific/Honolulu", "contact_made"),
        ):
            self.env = self.env(context=dict(self.env.context, tz=tz, lang="en_US"))
            weeks = self._group(
                report,
                ["milestone"],
                ["lead_count:sum"],
                domain=[("period", "=", "week"), ("date", "=", "2026-02-01")],
            )
            self.assertEqual(weeks.get(role), 1, tz)

    def test_time_in_milestone_and_speed_to_lead(self):
        groups = self._group(
            "crm.milestone.duration.report",
            ["milestone"],
            [
                "days:avg",
                "median_days:avg",
                "__count",
                "speed_to_lead_hours:avg",
                "speed_to_lead_median_hours:avg",
            ],
        )
        # Contact Made stays: A 3 days, B 3 and 2, C 5 and 6.
        days, median, stays, _speed, _speed_median = groups["contact_made"]
        self.assertAlmostEqual(days, 19 / 5)
        self.assertAlmostEqual(median, 3.0)
        self.assertEqual(stays, 5)
        # Contact Info Received: A 2 hours, B 2 days; D has not left it.
        # Speed to lead: A 2 hours, B 48 hours.
        days, median, stays, speed, speed_median = groups["contact_info_received"]
        self.assertAlmostEqual(days, (2 / 24 + 2) / 2)
        self.assertAlmostEqual(median, (2 / 24 + 2) / 2)
        self.assertEqual(stays, 2)
        self.assertAlmostEqual(speed, 25.0)
        self.assertAlmostEqual(speed_median, 25.0)
        self.assertAlmostEqual(groups["waiting_on"][0], 21.0)
        self.assertAlmostEqual(groups["initial_consult"][0], 12.0)

    def test_forecast(self):
        # E: Contact Info Received on Jan 2 09:00, Contact Made at 10:00,
        # funded five days after entering Contact Info Received.
        with self._at("2026-01-02 09:00:00"):
            lead_e = self._lead("contact_info_received", name="E")
        with self._at("2026-01-02 10:00:00"):
            lead_e.stage_id = self.stages["contact_made"]
        with self._at("2026-01-07 09:00:00"):
            lead_e.action_set_won()
        self.leads |= lead_e
        # Contact Info Received: of A, B and E (closed), A and E were funded,
        # 25 and 5 days after entering it. D has sat there 10 days, so with
        # F the share funded within d days (0 before day 5, 1/2 until day
        # 25, then 1): P = 2/3 * (F(10 + h) - F(10)) / (1 - 2/3 * F(10))
        # = 2/3 * 1/2 / (2/3) = 1/2 for each horizon.
        with self._at("2026-01-22 15:00:00"):
            groups = self._group(
                "crm.milestone.forecast.report",
                ["lead_id"],
                [
                    "funded_rate:avg",
                    "usual_days:avg",
                    "days_in_milestone:avg",
                    "funded_30:sum",
                    "funded_90:sum",
                    "fees_30:sum",
                ],
            )
        self.assertEqual(list(groups), [self.lead_d], "only D is open")
        rate, usual, age, funded_30, funded_90, fees_30 = groups[self.lead_d]
        self.assertAlmostEqual(rate, 200 / 3)
        self.assertAlmostEqual(usual, 15.0)
        self.assertAlmostEqual(age, 10.0)
        self.assertAlmostEqual(funded_30, 0.5)
        self.assertAlmostEqual(funded_90, 0.5)
        self.assertAlmostEqual(fees_30, 1000.0)

    def test_flow_diagram(self):
        data = self.env["crm.milestone.flow.report"]._flow_diagram(
            [("id", "in", self.leads.ids)]
        )
        links = {(link["from"], link["to"]): link["leads"] for link in data["links"]}
        self.assertEqual(
            links,
            {
                ("awaiting_info", "contact_info_received"): 1,
                ("contact_info_received", "contact_made"): 2,
                ("contact_made", "appointment_made"): 1,
                ("contact_made", "initial_consult"): 1,
                ("initial_consult", "retainer_signed"): 1,
                ("retainer_signed", "retainer_funded"): 1,
                ("contact_made", "lost"): 1,
                ("appointment_made", "refused"): 1,
            },
        )
        nodes = {node["key"]: node["leads"] for node in data["nodes"]}
        self.assertEqual(nodes["contact_made"], 3)
        self.assertEqual(nodes["retainer_funded"], 1)

    def test_renamed_stage_keeps_history_and_shows_both_names(self):
        self.stages["contact_made"].name = "Called Back"
        report = self.env["crm.milestone.funnel.report"]
        labels = dict(report._fields["milestone"]._description_selection(self.env))
        self.assertEqual(labels["contact_made"], "Contact Made (Called Back)")
        groups = self._group(report._name, ["milestone"], ["lead_count:sum"])
        self.assertEqual(groups["contact_made"], 3)

    def test_creation_month_in_users_timezone(self):
        # Created Feb 1 03:00 UTC: still January 31 in Chicago.
        with self._at("2026-02-01 03:00:00"):
            late = self._lead("contact_made", name="Late")
        self.leads |= late
        for tz, month in (("UTC", 2), ("America/Chicago", 1)):
            self.env = self.env(context=dict(self.env.context, tz=tz))
            groups = self._group(
                "crm.milestone.flow.report",
                ["lead_create_date:month"],
                ["lead_count:count_distinct"],
                domain=[("lead_id", "=", late.id)],
            )
            self.assertEqual([day.month for day in groups], [month], tz)


@tagged("post_install", "-at_install")
class TestReportAccess(ReportCase):
    REPORTS = (
        "crm.milestone.funnel.report",
        "crm.milestone.flow.report",
        "crm.milestone.outcome.report",
        "crm.milestone.duration.report",
        "crm.milestone.forecast.report",
    )

    def test_salesman_sees_own_and_unassigned_leads(self):
        for model in self.REPORTS:
            rows = (
                self.env[model]
                .with_user(self.intake_user)
                .search([("lead_id", "in", self.leads.ids)])
            )
            visible = self.lead_a | self.lead_c | self.lead_d
            if model == "crm.milestone.forecast.report":
                visible = self.lead_d  # the only open one
            elif model == "crm.milestone.duration.report":
                visible = self.lead_a | self.lead_c  # D has no finished stay
            self.assertEqual(rows.lead_id, visible, model)

    def test_salesman_funnel_counts_only_their_leads(self):
        groups = self._group(
            "crm.milestone.funnel.report",
            ["milestone"],
            ["lead_count:sum"],
            user=self.intake_user,
        )
        # A, C and D.
        self.assertEqual(groups["awaiting_info"], 3)
        self.assertEqual(groups["contact_made"], 2)
        self.assertEqual(groups["appointment_made"], 2)
        self.assertEqual(groups["retainer_funded"], 1)

    def test_salesman_stage_chart_and_flow_diagram(self):
        rows = (
            self.env["crm.milestone.stage.history.report"]
            .with_user(self.intake_user)
            .search([("team_id", "=", self.team.id)])
        )
        self.assertTrue(rows)
        self.assertLessEqual(set(rows.user_id.ids), {self.intake_user.id})
        data = (
            self.env["crm.milestone.flow.report"]
            .with_user(self.intake_user)
            .get_flow_diagram(date_from="2026-01-01", date_to="2026-01-31")
        )
        links = {(link["from"], link["to"]): link["leads"] for link in data["links"]}
        # A and C only: B is Omar's, D has not moved.
        self.assertEqual(
            links,
            {
                ("contact_info_received", "contact_made"): 1,
                ("contact_made", "appointment_made"): 1,
                ("contact_made", "initial_consult"): 1,
                ("initial_consult", "retainer_signed"): 1,
                ("retainer_signed", "retainer_funded"): 1,
                ("appointment_made", "refused"): 1,
            },
        )

    def test_flow_diagram_filters_are_checked(self):
        report = self.env["crm.milestone.flow.report"].with_user(self.intake_user)
        with self.assertRaisesRegex(UserError, "before it starts on 2026-01-31"):
            report.get_flow_diagram(date_from="2026-01-31", date_to="2026-01-01")
        for bad in ({"date_from": "31/01/2026"}, {"team_id": "abc"}):
            with self.subTest(bad=bad), self.assertRaisesRegex(UserError, "YYYY"):
                report.get_flow_diagram(**bad)
        # The calendar's last day is no limit, not an overflow.
        everything = report.get_flow_diagram(date_to="9999-12-31")
        self.assertEqual(everything, report.get_flow_diagram())

    def test_other_company_is_hidden(self):
        other_company = self.env["res.company"].create({"name": "Second Office LLP"})
        self.attorney.write({"company_ids": [(4, other_company.id)]})
        foreign = self._lead(
            "contact_made", name="Foreign", company_id=other_company.id, team_id=False
        )
        for model in ("crm.milestone.funnel.report", "crm.milestone.outcome.report"):
            report = self.env[model].with_user(self.attorney)
            hidden = report.with_context(
                allowed_company_ids=self.env.company.ids
            ).search_count([("lead_id", "=", foreign.id)])
            shown = report.with_context(
                allowed_company_ids=(self.env.company | other_company).ids
            ).search_count([("lead_id", "=", foreign.id)])
            self.assertEqual(hidden, 0, model)
            self.assertGreater(shown, 0, model)
