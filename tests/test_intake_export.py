import base64
import io
from datetime import date, datetime

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .test_reports import ReportCase

SHEETS = [
    "Summary",
    "Funnel",
    "Flow",
    "Milestones Over Time",
    "Time in Milestone",
    "Forecast",
    "Leads",
    "Transition Log",
]


@tagged("post_install", "-at_install")
class TestIntakeExport(ReportCase):
    """The workbook of ReportCase's four leads, read back with openpyxl.

    Users work in Tokyo (UTC+9): D, created on Jan 12 at 15:00 UTC, was
    created on Jan 13 there.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = mail_new_test_user(
            cls.env,
            login="clm_partner",
            name="Paula Partner",
            tz="Asia/Tokyo",
            groups="sales_team.group_sale_manager,"
            "crm_law_milestones.group_conflict_check",
        )
        cls.intake_user.tz = "Asia/Tokyo"
        # A conflict check on A with one hit and a note, for the attorneys.
        run = cls.env["crm.conflict.check"].create(
            {
                "lead_id": cls.lead_a.id,
                "result": "potential",
                "note": "Same surname as a 2019 adversary",
            }
        )
        cls.env["crm.conflict.hit"].create(
            {
                "run_id": run.id,
                "searched_name": "Ann Archer",
                "matched_name": "Anne Archer",
                "kind": "potential",
                "score": 90.4,
            }
        )
        cls.lead_a.write({"conflict_check_id": run.id, "conflict_status": "potential"})

    def _export(self, user=None, **values):
        """Run the wizard as ``user`` (the partner by default) and return
        the wizard and the workbook read back."""
        user = user or self.partner
        env = self.env(user=user, context={"tz": user.tz, "lang": "en_US"})
        wizard = (
            env["crm.intake.export"]
            .with_context(env.context, **values.pop("context", {}))
            .create(
                {
                    "date_from": "2026-01-01",
                    "date_to": "2026-01-31",
                    "team_ids": [(6, 0, self.team.ids)],
                    **values,
                }
            )
        )
        action = wizard.action_export()
        self.assertEqual(
            (action["type"], action["res_id"], wizard.state),
            ("ir.actions.act_window", wizard.id, "done"),
        )
        content = base64.b64decode(wizard.file_data)
        return wizard, openpyxl.load_workbook(io.BytesIO(content))

    @staticmethod
    def _table(ws, header_row=1):
        """{first cell: {header: value}} of a sheet's table."""
        rows = list(ws.iter_rows(min_row=header_row, values_only=True))
        header = rows[0]
        return {
            row[0]: dict(zip(header, row, strict=True)) for row in rows[1:] if row[0]
        }

    def test_sheets_and_key_figures(self):
        wizard, book = self._export()
        self.assertEqual(book.sheetnames, SHEETS)
        self.assertEqual(wizard.file_name, "intake_2026-01-01_2026-01-31.xlsx")
        summary = {
            row[0]: row[1]
            for row in book["Summary"].iter_rows(values_only=True)
            if row[0]
        }
        self.assertEqual(summary["New PNCs"], 4)
        self.assertEqual(summary["Funded Retainers"], 1)
        self.assertAlmostEqual(summary["Conversion to Funded"], 0.25)
        # A: created Jan 5 10:00, funded Jan 30 12:00.
        self.assertAlmostEqual(summary["Median Days to Fund"], 25 + 2 / 24)
        # A answered in 2 hours, B in 48.
        self.assertAlmostEqual(summary["Speed to Lead, Median (hours)"], 25.0)
        self.assertEqual(summary["Sales Teams"], "Intake Desk")
        self.assertEqual(summary["From"], datetime(2026, 1, 1))
        self.assertEqual(summary["Timezone"], "Asia/Tokyo")

    def test_funnel_table_and_chart(self):
        _wizard, book = self._export()
        ws = book["Funnel"]
        funnel = self._table(ws)
        self.assertEqual(
            [(name, row["Leads"]) for name, row in funnel.items()],
            [
                ("Awaiting Info", 4),
                ("Contact Info Received", 4),
                ("Contact Made", 3),
                ("Appointment Made", 2),
                ("Initial Consult", 1),
                ("Retainer Signed", 1),
                ("Retainer Funded", 1),
            ],
        )
        self.assertAlmostEqual(funnel["Appointment Made"]["Conversion from Top"], 0.5)
        self.assertAlmostEqual(
            funnel["Appointment Made"]["Conversion from Previous"], 2 / 3
        )
        self.assertEqual(ws["E2"].number_format, "0.0%")
        self.assertEqual(len(ws._charts), 1)
        self.assertEqual(ws.freeze_panes, "A2")
        self.assertEqual(ws.auto_filter.ref, "A1:F8")

    def test_flow_matrix_and_outcomes(self):
        _wizard, book = self._export()
        ws = book["Flow"]
        rows = list(ws.iter_rows(values_only=True))
        header = rows[0]
        matrix = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:9]}
        self.assertEqual(matrix["Contact Info Received"]["Contact Made"], 2)
        self.assertEqual(matrix["Created"]["Contact Info Received"], 2)
        self.assertEqual(matrix["Contact Made"]["Lost"], 1)
        # Out of Contact Made: to Appointment Made, Initial Consult, Waiting
        # On, Lost and Refused.
        self.assertEqual(matrix["Contact Made"]["Total"], 5)
        # 16 moves in all, creations included.
        total_row = next(row for row in rows if row[0] == "Total")
        self.assertEqual(total_row[-1], 16)
        # The outcomes table below it.
        start = next(
            index
            for index, row in enumerate(rows)
            if row[0] == "Outcomes by Last Open Milestone (leads)"
        )
        outcome_header = rows[start + 1]
        outcomes = {
            row[0]: dict(zip(outcome_header, row, strict=True))
            for row in rows[start + 2 :]
            if row[0]
        }
        self.assertEqual(outcomes["Contact Made"]["Lost"], 1)
        self.assertEqual(outcomes["Contact Made"]["Refused"], 1)
        self.assertEqual(outcomes["Retainer Signed"]["Funded"], 1)
        self.assertEqual(outcomes["Contact Info Received"]["Still open"], 1)
        self.assertEqual(outcomes["Total"]["Total"], 4)

    def test_stage_chart_durations_and_forecast(self):
        _wizard, book = self._export()
        ws = book["Milestones Over Time"]
        history = self._table(ws)
        # The only month end in January: B waiting, D not yet answered.
        self.assertEqual(list(history), [datetime(2026, 1, 31)])
        row = history[datetime(2026, 1, 31)]
        self.assertEqual(row["Contact Info Received"], 1)
        self.assertEqual(row["Waiting On"], 1)
        self.assertEqual(row["Total"], 2)
        self.assertEqual(len(ws._charts), 1)
        durations = self._table(book["Time in Milestone"])
        self.assertEqual(durations["Contact Made"]["Finished Stays"], 5)
        self.assertAlmostEqual(durations["Contact Made"]["Average Days"], 19 / 5)
        self.assertAlmostEqual(durations["Contact Made"]["Median Days"], 3.0)
        forecast = self._table(book["Forecast"])
        # D is the only open lead; of A and B (closed, both were in Contact
        # Info Received) A was funded, 25 days after entering it.
        self.assertEqual(forecast["Contact Info Received"]["Open Leads"], 1)
        self.assertAlmostEqual(forecast["Contact Info Received"]["Funding Rate"], 0.5)
        self.assertEqual(
            forecast["Contact Info Received"]["Expected Fees if Funded"], 2000
        )
        self.assertEqual(forecast["Total"]["Open Leads"], 1)

    def test_leads_sheet(self):
        _wizard, book = self._export()
        ws = book["Leads"]
        leads = self._table(ws)
        self.assertEqual([row["Lead"] for row in leads.values()], ["A", "B", "C", "D"])
        a, b, d = leads[self.lead_a.id], leads[self.lead_b.id], leads[self.lead_d.id]
        # Dates in Tokyo: D was created at midnight on Jan 13 there.
        self.assertEqual(d["Created On"], datetime(2026, 1, 13, 0, 0))
        self.assertEqual(d["Reached Contact Info Received"], datetime(2026, 1, 13))
        self.assertIsNone(d["Reached Contact Made"])
        # A skipped Appointment Made on Jan 8: reached it then.
        self.assertEqual(a["Reached Appointment Made"], datetime(2026, 1, 8))
        self.assertEqual(a["Reached Retainer Funded"], datetime(2026, 1, 30))
        self.assertEqual(a["Outcome"], "Funded")
        self.assertEqual(a["Last Open Milestone"], "Retainer Signed")
        self.assertEqual(b["Outcome"], "Lost")
        self.assertEqual(b["Reached Waiting On"], datetime(2026, 1, 12))
        self.assertEqual(a["Expected Fee"], 1000)
        symbol = self.env.company.currency_id.symbol
        self.assertIn(symbol, ws.cell(row=2, column=17).number_format)
        # Conflict details for the Conflict Check group.
        self.assertEqual(a["Conflict Status"], "Potential Conflict")
        self.assertEqual(
            a["Conflict Hits"], "Ann Archer ~ Anne Archer (Potential Conflict, 90)"
        )
        self.assertEqual(a["Conflict Notes"], "Same surname as a 2019 adversary")
        self.assertEqual(ws.freeze_panes, "A2")
        self.assertEqual(ws.auto_filter.ref[:3], "A1:")
        self.assertTrue(ws.auto_filter.ref.endswith("5"))
        self.assertGreater(ws.column_dimensions["B"].width, 5)
        # The transition log: 16 rows, oldest first per lead.
        log = list(book["Transition Log"].iter_rows(min_row=2, values_only=True))
        self.assertEqual(len(log), 16)
        self.assertEqual(log[0][:3], (self.lead_a.id, "A", datetime(2026, 1, 5, 19, 0)))
        self.assertEqual(log[0][6], "Contact Info Received")
        self.assertEqual(log[0][7], "Entry")

    def test_milestone_names_as_configured(self):
        self.stages["contact_made"].name = "Called Back"
        _wizard, book = self._export()
        funnel = self._table(book["Funnel"])
        self.assertEqual(funnel["Called Back"]["Leads"], 3)
        header = [cell.value for cell in book["Leads"][1]]
        self.assertIn("Reached Called Back", header)

    def test_language_date_format(self):
        self.env["res.lang"]._lang_get("en_US").write(
            {"date_format": "%d/%m/%Y", "time_format": "%H:%M:%S"}
        )
        _wizard, book = self._export()
        ws = book["Leads"]
        self.assertEqual(ws.cell(row=2, column=12).number_format, "dd/mm/yyyy hh:mm:ss")

    def test_formula_text_stays_text(self):
        evil = '=HYPERLINK("http://evil.example","click")'
        self.lead_c.write({"name": evil, "contact_name": "@SUM(1+1)"})
        _wizard, book = self._export()
        ws = book["Leads"]
        row = next(
            row for row in ws.iter_rows(min_row=2) if row[0].value == self.lead_c.id
        )
        self.assertEqual(row[1].value, evil)
        self.assertEqual(row[1].data_type, "s")
        self.assertEqual(row[2].value, "@SUM(1+1)")
        self.assertEqual(row[2].data_type, "s")
        log_names = {
            cell.value for cell in book["Transition Log"]["B"] if cell.data_type == "s"
        }
        self.assertIn(evil, log_names)

    def test_salesman_sees_own_and_unassigned_leads_only(self):
        _wizard, book = self._export(user=self.intake_user)
        leads = self._table(book["Leads"])
        self.assertEqual(set(leads), {self.lead_a.id, self.lead_c.id, self.lead_d.id})
        header = [cell.value for cell in book["Leads"][1]]
        self.assertIn("Conflict Status", header)
        self.assertNotIn("Conflict Hits", header)
        self.assertNotIn("Conflict Notes", header)
        log_leads = {
            row[0]
            for row in book["Transition Log"].iter_rows(min_row=2, values_only=True)
        }
        self.assertNotIn(self.lead_b.id, log_leads)
        summary = {
            row[0]: row[1]
            for row in book["Summary"].iter_rows(values_only=True)
            if row[0]
        }
        self.assertEqual(summary["New PNCs"], 3)
        funnel = self._table(book["Funnel"])
        self.assertEqual(funnel["Contact Made"]["Leads"], 2)

    def test_other_users_cannot_open_an_export(self):
        wizard, _book = self._export()
        with self.assertRaises(AccessError):
            wizard.with_user(self.attorney).read(["file_data"])

    def test_selected_leads(self):
        wizard, book = self._export(
            context={
                "active_model": "crm.lead",
                "active_ids": (self.lead_a | self.lead_b).ids,
            },
            date_from=False,
            date_to=False,
        )
        self.assertEqual(wizard.selected_count, 2)
        leads = self._table(book["Leads"])
        # B is lost, so archived: selected all the same.
        self.assertEqual(set(leads), {self.lead_a.id, self.lead_b.id})
        self.assertTrue(wizard.file_name.startswith("intake_start_"))

    def test_selection_defaults_from_the_list(self):
        wizard = (
            self.env["crm.intake.export"]
            .with_context(active_model="crm.lead", active_ids=self.lead_b.ids)
            .create({})
        )
        self.assertEqual(wizard.lead_ids, self.lead_b)
        self.assertFalse(wizard.date_from or wizard.date_to)

    def test_without_lead_list_and_log(self):
        _wizard, book = self._export(include_leads=False, include_log=False)
        self.assertEqual(book.sheetnames, SHEETS[:6])

    def test_period_ending_before_it_starts(self):
        with self.assertRaisesRegex(UserError, "before it starts"):
            self._export(date_from="2026-02-01", date_to="2026-01-31")

    def test_the_calendars_ends_mean_no_limit(self):
        # Tokyo is ahead of UTC: the midnight of 0001-01-01 there is before
        # the first datetime, the day after 9999-12-31 after the last.
        _wizard, book = self._export(date_from="0001-01-01", date_to="9999-12-31")
        self.assertEqual(len(self._table(book["Leads"])), 4)

    def test_default_period_is_the_last_twelve_months(self):
        with freeze_time("2026-12-04 12:00:00"):
            wizard = self.env["crm.intake.export"].create({})
        self.assertEqual(
            (wizard.date_from, wizard.date_to), (date(2025, 12, 1), date(2026, 12, 4))
        )

    def test_nothing_to_export(self):
        empty_team = self.env["crm.team"].create({"name": "Empty Desk"})
        with self.assertRaisesRegex(UserError, "No lead you can read matches"):
            self._export(team_ids=[(6, 0, empty_team.ids)])
        # Leads outside the period do not count either.
        with self.assertRaisesRegex(UserError, "Widen the period"):
            self._export(date_from="2025-01-01", date_to="2025-12-31")

    def test_milestone_filter(self):
        _wizard, book = self._export(
            stage_ids=[(6, 0, self.stages["lost"].ids + self.stages["refused"].ids)]
        )
        leads = self._table(book["Leads"])
        self.assertEqual(set(leads), {self.lead_b.id, self.lead_c.id})
        funnel = self._table(book["Funnel"])
        self.assertEqual(funnel["Awaiting Info"]["Leads"], 2)
        self.assertEqual(funnel["Appointment Made"]["Leads"], 1)
