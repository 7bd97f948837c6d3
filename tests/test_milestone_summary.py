import math
from datetime import datetime

from odoo.tests import tagged

from odoo.addons.crm_law_milestones.hooks import (
    _backfill_milestone_log,
    _backfill_milestone_summary,
)
from odoo.addons.mail.tests.common import mail_new_test_user

from ..lib import milestones
from ..reports.crm_milestone_flow_report import FIRST_FLAG
from .common import MilestoneCase
from .test_reports import _frozen

ANSWERED = ("contact_made", "appointment_made", "initial_consult", "retainer_signed")


@tagged("post_install", "-at_install")
class TestMilestoneSummary(MilestoneCase):
    """The log's derived columns and the leads' summary of their log, checked
    against the same values worked out in Python from the rows."""

    # -- the oracle ----------------------------------------------------------

    def _stored(self, leads):
        """{lead id: (summary, {row id: derived values})} as in the database."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """
            SELECT id, milestone_furthest, milestone_last_open,
                   milestone_move_count, speed_to_lead_hours
              FROM crm_lead WHERE id = ANY(%s)
            """,
            [leads.ids],
        )
        summary = {row[0]: row[1:] for row in cr.fetchall()}
        cr.execute(
            """
            SELECT lead_id, id, left_at, reentered_at, funding_days,
                   lead_first, from_first, to_first, move_first,
                   speed_to_lead_hours
              FROM crm_lead_milestone_log WHERE lead_id = ANY(%s)
            """,
            [leads.ids],
        )
        rows = {lead_id: {} for lead_id in leads.ids}
        for lead_id, row_id, *values in cr.fetchall():
            rows[lead_id][row_id] = tuple(values)
        return {lead_id: (summary[lead_id], rows[lead_id]) for lead_id in leads.ids}

    def _expected(self, leads):
        """The same, worked out row by row from the log."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT lead_id, id, date, from_role, to_role, move_kind
              FROM crm_lead_milestone_log WHERE lead_id = ANY(%s)
             ORDER BY lead_id, date, id
            """,
            [leads.ids],
        )
        by_lead = {lead_id: [] for lead_id in leads.ids}
        for lead_id, *row in self.env.cr.fetchall():
            by_lead[lead_id].append(row)
        return {lead_id: self._derive(rows) for lead_id, rows in by_lead.items()}

    def _derive(self, rows):
        received = min(
            (row[1] for row in rows if row[3] == "contact_info_received"),
            default=None,
        )
        funded_at = max(
            (row[1] for row in rows if row[3] == "retainer_funded"), default=None
        )
        answer = next(
            (
                (row_id, (date - received).total_seconds() / 3600)
                for row_id, date, source, to, _kind in rows
                if source == "contact_info_received"
                and to in ANSWERED
                and received is not None
                and date >= received
            ),
            (None, None),
        )
        derived, seen = {}, set()
        for index, (row_id, date, source, to, kind) in enumerate(rows):
            later = rows[index + 1 :]
            left_at = later[0][1] if later else None
            reentered_at = next((row[1] for row in later if row[3] == to), None)
            funding_days = None
            if (
                to in milestones.OPEN_ROLES
                and funded_at
                and date <= funded_at
                and (reentered_at is None or reentered_at > funded_at)
            ):
                funding_days = math.floor((funded_at - date).total_seconds() / 86400)
            # The lead's first row, from this milestone (a creation being a
            # move from nowhere), into that one, and of such a move.
            origin = "created" if kind == "entry" else source
            firsts = []
            for key in ("lead", ("from", origin), ("to", to), ("move", origin, to)):
                firsts.append(key not in seen)
                seen.add(key)
            speed = answer[1] if row_id == answer[0] else None
            derived[row_id] = (left_at, reentered_at, funding_days, *firsts, speed)
        path = [row[3] for row in rows if row[3] in milestones.MAIN_PATH]
        furthest = max(path, key=milestones.MAIN_PATH.index, default=None)
        last_open = next(
            (row[3] for row in reversed(rows) if row[3] in milestones.MAIN_PATH[:-1]),
            None,
        )
        return (furthest, last_open, len(rows), answer[1]), derived

    def assertSummary(self, leads):
        stored, expected = self._stored(leads), self._expected(leads)
        for lead in leads:
            (summary, rows), (want_summary, want_rows) = (
                stored[lead.id],
                expected[lead.id],
            )
            self.assertEqual(summary[:3], want_summary[:3], lead.name)
            self.assertAlmostEqual(summary[3], want_summary[3], msg=lead.name)
            self.assertEqual(set(rows), set(want_rows), lead.name)
            for row_id, values in rows.items():
                self.assertEqual(values[:-1], want_rows[row_id][:-1], lead.name)
                self.assertAlmostEqual(values[-1], want_rows[row_id][-1], msg=lead.name)

    # -- the lead's own moves ------------------------------------------------

    def test_create_and_moves(self):
        with self._at("2026-03-02 09:00:00"):
            lead = self._lead("contact_info_received", name="Pat")
        self.assertSummary(lead)
        self.assertEqual(lead.milestone_furthest, "contact_info_received")
        self.assertEqual(lead.milestone_move_count, 1)

        for when, role in (
            ("2026-03-02 11:30:00", "contact_made"),
            ("2026-03-03 10:00:00", "waiting_on"),
            ("2026-03-06 10:00:00", "contact_made"),
            ("2026-03-09 10:00:00", "appointment_made"),
        ):
            values = {"stage_id": self.stages[role].id}
            if role == "waiting_on":
                values["waiting_reason"] = "funds"
            with self._at(when):
                lead.write(values)
            self.assertSummary(lead)
        with self._at("2026-03-10 10:00:00"):
            lead.action_set_lost()
        self.assertSummary(lead)

        # Worked out by hand: answered after two and a half hours, furthest
        # and last open at Appointment Made, six rows.
        self.assertEqual(lead.milestone_furthest, "appointment_made")
        self.assertEqual(lead.milestone_last_open, "appointment_made")
        self.assertEqual(lead.milestone_move_count, 6)
        self.assertAlmostEqual(lead.speed_to_lead_hours, 2.5)
        rows = lead.milestone_log_ids.sorted(lambda log: (log.date, log.id))
        self.assertEqual(rows[0].left_at, datetime(2026, 3, 2, 11, 30))
        self.assertAlmostEqual(rows[1].speed_to_lead_hours, 2.5)
        self.assertEqual(rows[1].reentered_at, datetime(2026, 3, 6, 10, 0))
        self.assertFalse(rows[-1].left_at)

    def test_create_many_and_bulk_write(self):
        with self._at("2026-03-02 09:00:00"):
            leads = self.env["crm.lead"].create(
                [
                    {
                        "name": f"Bulk {role}",
                        "type": "opportunity",
                        "team_id": self.team.id,
                        "stage_id": self.stages[role].id,
                    }
                    for role in (
                        "awaiting_info",
                        "contact_info_received",
                        "contact_made",
                    )
                ]
            )
        self.assertSummary(leads)
        with self._at("2026-03-04 09:00:00"):
            leads.write({"stage_id": self.stages["appointment_made"].id})
        self.assertSummary(leads)
        with self._at("2026-03-09 09:00:00"):
            leads.write({"stage_id": self.stages["contact_made"].id})
        self.assertSummary(leads)
        self.assertEqual(set(leads.mapped("milestone_furthest")), {"appointment_made"})
        self.assertEqual(set(leads.mapped("milestone_last_open")), {"contact_made"})
        # Answered by the bulk move, two days after reaching out.
        self.assertEqual(leads.mapped("speed_to_lead_hours"), [0.0, 48.0, 0.0])

    def test_funded_lead_days_to_funding(self):
        moves = (
            ("2026-04-01 09:00:00", "contact_made"),
            ("2026-04-02 09:00:00", "contact_info_received"),
            ("2026-04-03 09:00:00", "contact_made"),
            ("2026-04-08 21:00:00", "retainer_signed"),
        )
        with self._at("2026-03-31 09:00:00"):
            lead = self._lead("contact_info_received", name="Funded")
        for when, role in moves:
            with self._at(when):
                lead.stage_id = self.stages[role]
        with self._at("2026-04-13 09:00:00"):
            lead.action_set_won()
        self.assertSummary(lead)
        _summary, rows = self._stored(lead)[lead.id]
        days = {
            (log.to_role, log.date.day): rows[log.id][2]
            for log in lead.milestone_log_ids
        }
        # The last entry into each milestone counts, in whole days to
        # funding: ten from Contact Made, four and a half from Retainer Signed.
        self.assertIsNone(days["contact_made", 1])
        self.assertEqual(days["contact_made", 3], 10)
        self.assertEqual(days["contact_info_received", 2], 11)
        self.assertIsNone(days["contact_info_received", 31])
        self.assertEqual(days["retainer_signed", 8], 4)
        self.assertIsNone(days["retainer_funded", 13])
        self.assertEqual(lead.milestone_furthest, "retainer_funded")
        self.assertEqual(lead.milestone_last_open, "retainer_signed")
        self.assertAlmostEqual(lead.speed_to_lead_hours, 24.0)

    # -- rows that move or go ------------------------------------------------

    def test_merge(self):
        with self._at("2026-05-01 09:00:00"):
            first = self._lead("contact_info_received", name="Dana First")
        with self._at("2026-05-02 09:00:00"):
            second = self._lead("contact_info_received", name="Dana Second")
        with self._at("2026-05-03 09:00:00"):
            first.stage_id = self.stages["contact_made"]
        with self._at("2026-05-04 09:00:00"):
            second.stage_id = self.stages["initial_consult"]
        with self._at("2026-05-06 09:00:00"):
            first.stage_id = self.stages["appointment_made"]
        leads = first | second
        moves = len(leads.milestone_log_ids)

        with self._at("2026-05-07 09:00:00"):
            head = leads._merge_opportunity(max_length=None)
        self.assertSummary(head)
        # Both histories, interleaved by date: the stays follow.
        self.assertEqual(head.milestone_move_count, moves)
        self.assertEqual(head.milestone_furthest, "initial_consult")
        self.assertEqual(head.milestone_last_open, "appointment_made")
        self.assertAlmostEqual(head.speed_to_lead_hours, 48.0)

    def test_merge_keeping_the_merged_leads(self):
        first = self._lead("contact_made", name="Kept First")
        second = self._lead("appointment_made", name="Kept Second")
        head = (first | second)._merge_opportunity(auto_unlink=False, max_length=None)
        self.assertSummary(first | second)
        kept = (first | second) - head
        self.assertEqual(kept.milestone_move_count, 0)
        self.assertFalse(kept.milestone_furthest)

    def test_log_deletion(self):
        manager = mail_new_test_user(
            self.env,
            login="clm_intake_manager",
            name="Mona Manager",
            groups="crm_law_milestones.group_intake_manager",
        )
        with self._at("2026-06-01 09:00:00"):
            lead = self._lead("contact_info_received", name="Deleted")
        with self._at("2026-06-01 12:00:00"):
            lead.stage_id = self.stages["contact_made"]
        with self._at("2026-06-03 12:00:00"):
            lead.stage_id = self.stages["appointment_made"]
        last = lead.milestone_log_ids.sorted("date")[-1]
        last.with_user(manager).unlink()
        self.assertSummary(lead)
        self.assertEqual(lead.milestone_furthest, "contact_made")
        self.assertFalse(lead.milestone_log_ids.sorted("date")[-1].left_at)

        # The answering move goes: no speed to lead any more.
        lead.milestone_log_ids.filtered("speed_to_lead_hours").with_user(
            manager
        ).unlink()
        self.assertSummary(lead)
        self.assertFalse(lead.speed_to_lead_hours)

        lead.milestone_log_ids.with_user(manager).unlink()
        self.assertSummary(lead)
        self.assertEqual(lead.milestone_move_count, 0)
        self.assertFalse(lead.milestone_furthest)

    # -- install and upgrade -------------------------------------------------

    def test_install_backfill(self):
        leads = self._lead("contact_made", name="Old A") | self._lead(
            "retainer_signed", name="Old B"
        )
        self.env.flush_all()
        # As if the leads existed before the module: no history, no summary.
        self.env.cr.execute(
            "DELETE FROM crm_lead_milestone_log WHERE lead_id = ANY(%s)", [leads.ids]
        )
        self.env.cr.execute(
            """
            UPDATE crm_lead
               SET milestone_furthest = NULL, milestone_last_open = NULL,
                   milestone_move_count = NULL, speed_to_lead_hours = NULL
             WHERE id = ANY(%s)
            """,
            [leads.ids],
        )
        self.env.invalidate_all()

        _backfill_milestone_log(self.env)
        _backfill_milestone_summary(self.env)

        self.assertSummary(leads)
        self.assertEqual(leads.mapped("milestone_move_count"), [1, 1])
        self.assertEqual(
            leads.mapped("milestone_furthest"), ["contact_made", "retainer_signed"]
        )

    def test_upgrade_rewrites_the_log(self):
        with self._at("2026-07-01 09:00:00"):
            lead = self._lead("contact_info_received", name="Upgraded")
        for when, role in (
            ("2026-07-01 10:00:00", "contact_made"),
            ("2026-07-02 10:00:00", "contact_info_received"),
            ("2026-07-03 10:00:00", "contact_made"),
            ("2026-07-09 10:00:00", "retainer_funded"),
        ):
            with self._at(when):
                lead.stage_id = self.stages[role]
        other = self._lead("awaiting_info", name="Untouched")
        leads = lead | other
        before = self._stored(leads)
        # As on a database of the previous version: no derived values yet.
        self.env.cr.execute(
            """
            UPDATE crm_lead_milestone_log
               SET left_at = NULL, reentered_at = NULL, funding_days = NULL,
                   speed_to_lead_hours = NULL
            """
        )
        self.env.cr.execute(
            "UPDATE crm_lead SET milestone_furthest = NULL, milestone_move_count = 0"
        )
        self.env.invalidate_all()

        _backfill_milestone_summary(self.env)

        self.assertEqual(self._stored(leads), before)
        self.assertSummary(leads)
        self.assertEqual(lead.milestone_log_ids.mapped("merged_from"), [False] * 5)


@tagged("post_install", "-at_install")
class TestMilestoneGroupedReads(MilestoneCase):
    """A grouped read that carries only the fields it needs gives the numbers
    of the report's full rows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.area = cls.env["crm.practice.area"].create({"name": "Probate"})
        leads = []
        for index, (role, user) in enumerate(
            [
                ("contact_info_received", cls.intake_user),
                ("contact_made", cls.other_intake_user),
                ("appointment_made", cls.env["res.users"]),
                ("initial_consult", cls.intake_user),
                ("contact_made", cls.env["res.users"]),
            ]
        ):
            with _frozen(cls.env, f"2026-0{index + 1}-10 09:00:00"):
                leads.append(
                    cls._lead(
                        "awaiting_info",
                        name=f"Grouped {index}",
                        user_id=user.id,
                        practice_area_id=cls.area.id if index % 2 else False,
                    )
                )
            with _frozen(cls.env, f"2026-0{index + 1}-20 09:00:00"):
                leads[-1].stage_id = cls.stages[role]
        cls.leads = cls.env["crm.lead"].union(*leads)

    def _both(self, model, domain, groupby, aggregates, forcing, user=None):
        """The read as narrowed rows answer it, and as the full rows do (an
        aggregate the narrowed rows cannot give forces them)."""
        report = self.env[model].with_user(user) if user else self.env[model]
        domain = [*domain, ("team_id", "=", self.team.id)]
        narrow = report._read_group(domain, groupby, aggregates)
        self.assertIsNotNone(
            report._read_group_fields(domain, groupby, aggregates, (), None)
        )
        full = report._read_group(domain, groupby, [*aggregates, forcing])
        self.assertIsNone(
            report._read_group_fields(domain, groupby, [*aggregates, forcing], (), None)
        )
        size = len(groupby) + len(aggregates)
        self.assertEqual(narrow, [row[:size] for row in full])
        return narrow

    def test_funnel(self):
        aggregates = [
            "lead_count:sum",
            "previous_count:sum",
            "dropped_count:sum",
            "conversion_previous:avg",
            "conversion_top:avg",
        ]
        for user in (None, self.intake_user):
            for groupby, domain in (
                (["milestone"], []),
                (["user_id", "milestone"], []),
                (["milestone"], [("practice_area_id", "=", self.area.id)]),
            ):
                rows = self._both(
                    "crm.milestone.funnel.report",
                    domain,
                    groupby,
                    aggregates,
                    "milestone_sequence:sum",
                    user=user,
                )
                self.assertTrue(rows)
        # __count counts a lead's rows, one a milestone, however narrowed.
        counts = self.env["crm.milestone.funnel.report"]._read_group(
            [("team_id", "=", self.team.id)], ["milestone"], ["__count"]
        )
        self.assertEqual({count for _milestone, count in counts}, {5})

    def test_stage_history(self):
        for user in (None, self.intake_user):
            for groupby, domain in (
                (["date:month", "milestone"], [("period", "=", "month")]),
                (["date:day", "milestone"], [("period", "=", "week")]),
                (["user_id", "milestone"], []),
                (["practice_area_id"], [("period", "in", ["month"])]),
            ):
                self._both(
                    "crm.milestone.stage.history.report",
                    domain,
                    groupby,
                    ["lead_count:sum"],
                    "lead_count:max",
                    user=user,
                )

    def test_flow(self):
        # A filter on the move's date splits a lead's rows: the flow then
        # counts its leads as they are (COUNT DISTINCT), which must agree.
        for user in (None, self.intake_user):
            for groupby in (
                ["from_milestone", "to_milestone"],
                ["from_milestone", "to_milestone", "move_kind"],
                ["from_milestone"],
                ["to_milestone", "user_id"],
                ["practice_area_id"],
            ):
                report = self.env["crm.milestone.flow.report"]
                if user:
                    report = report.with_user(user)
                domain = [("team_id", "=", self.team.id)]
                aggregates = ["__count", "lead_count:count_distinct"]
                context = report._read_group_context(
                    domain, groupby, aggregates, (), None
                )
                self.assertIn(FIRST_FLAG, context, groupby)
                flagged = report._read_group(domain, groupby, aggregates)
                counted = report._read_group(
                    [*domain, ("date", "!=", False)], groupby, aggregates
                )
                self.assertEqual(flagged, counted, groupby)
        # A lead that makes the same move twice counts once.
        lead = self.leads[1]
        for role in ("contact_info_received", "contact_made") * 2:
            lead.stage_id = self.stages[role]
        rows = self.env["crm.milestone.flow.report"]._read_group(
            [("lead_id", "=", lead.id)],
            ["from_milestone", "to_milestone"],
            ["__count", "lead_count:count_distinct"],
        )
        cells = {
            (source, target): (moves, leads) for source, target, moves, leads in rows
        }
        self.assertEqual(cells["awaiting_info", "contact_made"], (1, 1))
        self.assertEqual(cells["contact_made", "contact_info_received"], (2, 1))
        self.assertEqual(cells["contact_info_received", "contact_made"], (2, 1))
