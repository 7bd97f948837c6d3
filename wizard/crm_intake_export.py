import base64
import logging
import os
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain
from odoo.tools import SQL
from odoo.tools.misc import get_lang

from ..lib import flow, milestones
from ..lib import workbook as wb
from ..models.crm_conflict_check import CONFLICT_GROUP
from ..reports.crm_milestone_flow_report import CREATED
from ..reports.crm_milestone_report_mixin import NO_MILESTONE

_logger = logging.getLogger(__name__)

# Leads read, and written, per batch: the ORM cache is emptied after each,
# so memory stays flat whatever the number of leads.
BATCH_SIZE = 2000


class CrmIntakeExport(models.TransientModel):
    """The intake workbook: every milestone report in one XLSX file.

    The numbers are the report models' own (crm.milestone.*.report), read
    with ``_read_group``/``search_read`` as the current user, so record
    rules and allowed companies apply exactly as in CRM > Reporting. The
    lead list and the transition log are read from crm.lead and the log in
    batches and streamed to disk (lib/workbook, constant-memory mode).

    Filters: the leads created in the period (in the user's timezone),
    optionally of some teams, salespeople, of those now in some milestones,
    or only the leads selected in the list. "Milestones over time" counts
    the period ends within the period, for the same teams, salespeople and
    milestones.
    """

    _name = "crm.intake.export"
    _description = "Intake Workbook Export"

    date_from = fields.Date(
        "From",
        default=lambda self: self._default_date_from(),
        help="Leads created on or after this day (your timezone).",
    )
    date_to = fields.Date(
        "To",
        default=fields.Date.context_today,
        help="Leads created on or before this day (your timezone).",
    )
    team_ids = fields.Many2many("crm.team", string="Sales Teams")
    user_ids = fields.Many2many(
        "res.users", string="Salespeople", domain=[("share", "=", False)]
    )
    stage_ids = fields.Many2many(
        "crm.stage",
        string="Milestones",
        domain=[("milestone_role", "!=", False)],
        help="Only the leads now in these milestones. Empty: all of them.",
    )
    lead_ids = fields.Many2many(
        "crm.lead",
        string="Selected Leads",
        # Lost and refused leads are archived: a selection may hold them.
        context={"active_test": False},
    )
    selected_count = fields.Integer(compute="_compute_selected_count")
    stage_period = fields.Selection(
        [("month", "Month ends"), ("week", "Week ends")],
        string="Milestones Over Time By",
        required=True,
        default="month",
    )
    include_leads = fields.Boolean(
        "Lead List", default=True, help="One row per lead, with its dates."
    )
    include_log = fields.Boolean(
        "Transition Log", default=True, help="Every move of every lead."
    )
    state = fields.Selection(
        [("choose", "Choose"), ("done", "Done")], default="choose", required=True
    )
    file_data = fields.Binary("Workbook", readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    @api.model
    def _default_date_from(self):
        # The last twelve months and this one so far, from the first of the
        # month a year ago.
        today = fields.Date.context_today(self)
        return today.replace(day=1) - relativedelta(months=12)

    @api.depends("lead_ids")
    def _compute_selected_count(self):
        for wizard in self:
            wizard.selected_count = len(wizard.lead_ids)

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        active_ids = self.env.context.get("active_ids")
        if (
            "lead_ids" in fields_list
            and self.env.context.get("active_model") == "crm.lead"
            and active_ids
        ):
            # Selected leads: their whole history, whenever they came in.
            defaults["lead_ids"] = [Command.set(active_ids)]
            defaults["date_from"] = False
            defaults["date_to"] = False
        return defaults

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_export(self):
        """Write the workbook; the dialog then offers it for download, as
        Odoo's own translation export does."""
        self.ensure_one()
        self._check_filters()
        started = time.perf_counter()
        content = _WorkbookWriter(self).build()
        self.write(
            {
                "file_data": base64.b64encode(content),
                "file_name": self._file_name(),
                "state": "done",
            }
        )
        _logger.info(
            "Intake workbook for user %s: %d bytes in %.1f s",
            self.env.uid,
            len(content),
            time.perf_counter() - started,
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Intake Workbook"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    # ------------------------------------------------------------
    # FILTERS
    # ------------------------------------------------------------

    def _check_filters(self):
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise UserError(
                self.env._(
                    "The period ends on %(end)s, before it starts on %(start)s: "
                    "set the end date on or after the start date.",
                    end=self.date_to,
                    start=self.date_from,
                )
            )
        if not self._leads().search_count(self._lead_domain(), limit=1):
            raise UserError(
                self.env._(
                    "No lead you can read matches %(filters)s. Widen the "
                    "period or clear a filter (teams, salespeople, milestones).",
                    filters=self._describe_filters(),
                )
            )

    def _leads(self):
        return self.env["crm.lead"].with_context(active_test=False)

    def _roles(self):
        return sorted(set(self.stage_ids.mapped("milestone_role")))

    def _period_utc(self):
        """(start, end) of the period as naive UTC moments (end excluded);
        either may be None."""
        report = self.env["crm.milestone.flow.report"]
        start = end = None
        # The calendar's first and last days stand for "no limit": their
        # midnights in some time zones fall outside what a datetime can hold.
        if self.date_from and self.date_from > date.min:
            start = report._local_midnight(self.date_from)
        if self.date_to and self.date_to < date.max:
            end = report._local_midnight(self.date_to + timedelta(days=1))
        return start, end

    def _lead_domain(self, field_prefix=""):
        """The leads of the export, on crm.lead (``field_prefix`` empty) or
        on a report through its ``lead_id``."""
        start, end = self._period_utc()
        created = "lead_create_date" if field_prefix else "create_date"
        lead = field_prefix or "id"
        domain = Domain.TRUE
        if start:
            domain &= Domain(created, ">=", start)
        if end:
            domain &= Domain(created, "<", end)
        if self.team_ids:
            domain &= Domain("team_id", "in", self.team_ids.ids)
        if self.user_ids:
            domain &= Domain("user_id", "in", self.user_ids.ids)
        if self.lead_ids:
            domain &= Domain(lead, "in", self.lead_ids.ids)
        if self.stage_ids:
            role = (
                f"{field_prefix}.milestone_role" if field_prefix else "milestone_role"
            )
            domain &= Domain(role, "in", self._roles())
        return domain

    def _report_domain(self):
        return self._lead_domain(field_prefix="lead_id")

    def _stage_history_domain(self):
        domain = Domain("period", "=", self.stage_period)
        if self.date_from:
            domain &= Domain("date", ">=", self.date_from)
        if self.date_to:
            domain &= Domain("date", "<=", self.date_to)
        if self.team_ids:
            domain &= Domain("team_id", "in", self.team_ids.ids)
        if self.user_ids:
            domain &= Domain("user_id", "in", self.user_ids.ids)
        if self.stage_ids:
            domain &= Domain("milestone", "in", self._roles())
        return domain

    def _describe_filters(self):
        """The filters in words, for messages and the Summary sheet."""
        parts = [self._describe_period()]
        if self.team_ids:
            parts.append(
                self.env._(
                    "teams %(names)s", names=", ".join(self.team_ids.mapped("name"))
                )
            )
        if self.user_ids:
            parts.append(
                self.env._(
                    "salespeople %(names)s",
                    names=", ".join(self.user_ids.mapped("name")),
                )
            )
        if self.stage_ids:
            parts.append(
                self.env._(
                    "now in %(names)s", names=", ".join(self.stage_ids.mapped("name"))
                )
            )
        if self.lead_ids:
            parts.append(
                self.env._(
                    "among the %(count)s selected leads", count=len(self.lead_ids)
                )
            )
        return "; ".join(parts)

    def _describe_period(self):
        if self.date_from and self.date_to:
            return self.env._(
                "created from %(start)s to %(end)s",
                start=self.date_from,
                end=self.date_to,
            )
        if self.date_from:
            return self.env._("created from %(start)s", start=self.date_from)
        if self.date_to:
            return self.env._("created until %(end)s", end=self.date_to)
        return self.env._("created at any time")

    def _file_name(self):
        start = self.date_from.isoformat() if self.date_from else "start"
        end = (self.date_to or fields.Date.context_today(self)).isoformat()
        return f"intake_{start}_{end}.xlsx"

    # ------------------------------------------------------------
    # THE NUMBERS (the reports', read as the current user)
    # ------------------------------------------------------------

    def _milestone_names(self):
        """Each role's name as the firm calls it: the names of the stages
        playing it now (in the user's language), else the role's label."""
        stages = self.env["crm.stage"].search_fetch(
            [("milestone_role", "!=", False)], ["name", "milestone_role"]
        )
        by_role = defaultdict(list)
        for stage in stages:
            if stage.name not in by_role[stage.milestone_role]:
                by_role[stage.milestone_role].append(stage.name)
        labels = dict(
            self.env["crm.stage"]
            ._fields["milestone_role"]
            ._description_selection(self.env)
        )
        names = {
            role: " / ".join(by_role[role]) or labels.get(role, role)
            for role in milestones.ROLES
        }
        names[NO_MILESTONE] = self.env._("No milestone")
        names[CREATED] = self.env._("Created")
        return names

    def _numbers(self):
        """Everything the summary and report sheets show, as plain data."""
        domain = self._report_domain()
        env = self.env
        funnel = env["crm.milestone.funnel.report"]._read_group(
            domain,
            ["milestone"],
            [
                "lead_count:sum",
                "previous_count:sum",
                "dropped_count:sum",
                "conversion_previous:avg",
                "conversion_top:avg",
            ],
        )
        flow_report = env["crm.milestone.flow.report"]
        flow_cells = flow_report._read_group(
            domain, ["from_milestone", "to_milestone"], ["__count"]
        )
        outcome_report = env["crm.milestone.outcome.report"]
        outcomes = outcome_report._read_group(
            domain, ["last_milestone", "outcome"], ["lead_count:sum"]
        )
        funded = outcome_report.search_read(
            domain & Domain("outcome", "=", "funded"),
            ["lead_create_date", "outcome_date"],
            load=None,
        )
        duration_report = env["crm.milestone.duration.report"]
        duration_aggregates = [
            "__count",
            "lead_count:count_distinct",
            "days:avg",
            "median_days:avg",
            "speed_to_lead_hours:avg",
            "speed_to_lead_median_hours:avg",
        ]
        durations = duration_report._read_group(
            domain, ["milestone"], duration_aggregates
        )
        [duration_total] = duration_report._read_group(domain, [], duration_aggregates)
        forecast_report = env["crm.milestone.forecast.report"]
        forecast_aggregates = [
            "lead_count:sum",
            "funded_rate:avg",
            "usual_days:avg",
            "expected_revenue:sum",
            "funded_30:sum",
            "funded_60:sum",
            "funded_90:sum",
            "fees_30:sum",
            "fees_60:sum",
            "fees_90:sum",
        ]
        forecast = forecast_report._read_group(
            domain, ["milestone"], forecast_aggregates
        )
        [forecast_total] = forecast_report._read_group(domain, [], forecast_aggregates)
        history = env["crm.milestone.stage.history.report"]._read_group(
            self._stage_history_domain(), ["date:day", "milestone"], ["lead_count:sum"]
        )
        days_to_fund = [
            (row["outcome_date"] - row["lead_create_date"]).total_seconds() / 86400
            for row in funded
            if row["outcome_date"] and row["lead_create_date"]
        ]
        return {
            "funnel": funnel,
            "flow": flow_cells,
            "outcomes": outcomes,
            "median_days_to_fund": flow.median(days_to_fund),
            "durations": durations,
            "duration_total": duration_total,
            "forecast": forecast,
            "forecast_total": forecast_total,
            "history": history,
        }

    def _outcomes_by_lead(self):
        """{lead id: (outcome, last open milestone)} from Milestone Outcomes,
        read as groups of lead ids (a few groups, whatever the lead count)."""
        groups = self.env["crm.milestone.outcome.report"]._read_group(
            self._report_domain(),
            ["outcome", "last_milestone"],
            ["lead_id:array_agg"],
        )
        return {
            lead_id: (outcome, last)
            for outcome, last, lead_ids in groups
            for lead_id in lead_ids
        }

    @api.model
    def _money_format(self, currency):
        return wb.money_format(
            currency.symbol, currency.position, currency.decimal_places
        )


class _WorkbookWriter:
    """Writes the workbook of one export wizard, sheet after sheet, each
    top to bottom (constant-memory mode)."""

    # The lead list's milestone columns: the main path, then the others.
    REACHED_ROLES = (
        *milestones.MAIN_PATH,
        milestones.WAITING_ON,
        milestones.LOST,
        milestones.REFUSED,
    )
    LEAD_FIELDS = (
        "name",
        "contact_name",
        "partner_name",
        "email_from",
        "phone",
        "source_id",
        "referred",
        "practice_area_id",
        "team_id",
        "user_id",
        "create_date",
        "stage_id",
        "conflict_status",
        "conflict_check_id",
        "expected_revenue",
        "company_id",
    )
    LOG_FIELDS = (
        "lead_id",
        "date",
        "user_id",
        "from_stage_id",
        "to_stage_id",
        "from_role",
        "to_role",
        "move_kind",
        "duration_days",
        "team_id",
        "salesperson_id",
        "merged_from",
    )

    def __init__(self, wizard):
        self.wizard = wizard
        self.env = wizard.env
        self.names = wizard._milestone_names()
        self.tz = self.env["crm.milestone.report.mixin"]._user_timezone()
        self.local_time = wb.LocalTime(self.tz)
        self.conflict_details = self.env.user.has_group(CONFLICT_GROUP)
        self.related = _NameCache(self.env, wizard._money_format)
        self.labels = self.selection_labels()

    def build(self):
        """The workbook's bytes. Written to a temporary file: xlsxwriter
        streams the rows of each sheet to disk as it goes."""
        wizard = self.wizard
        numbers = wizard._numbers()
        lang = get_lang(self.env)
        date_format = wb.excel_date_format(lang.date_format)
        time_format = wb.excel_date_format(lang.time_format)
        with tempfile.TemporaryDirectory(prefix="intake_xlsx_") as tmpdir:
            path = os.path.join(tmpdir, "intake.xlsx")
            book = wb.IntakeWorkbook(
                path,
                date_format=date_format,
                datetime_format=f"{date_format} {time_format}",
                money=wizard._money_format(self.env.company.currency_id),
                tmpdir=tmpdir,
            )
            self.summary(book, numbers)
            self.funnel(book, numbers["funnel"])
            self.flow(book, numbers["flow"], numbers["outcomes"])
            self.stage_history(book, numbers["history"])
            self.durations(book, numbers)
            self.forecast(book, numbers)
            if wizard.include_leads or wizard.include_log:
                self.leads_and_log(book)
            book.close()
            with open(path, "rb") as file:
                return file.read()

    def local(self, value):
        return self.local_time(value)

    def label(self, role):
        return self.names.get(role, role) if role else None

    @staticmethod
    def blank_false(values):
        # _read_group gives False for an average over no row.
        return [None if value is False else value for value in values]

    # -- report sheets ---------------------------------------------------------

    def summary(self, book, numbers):
        wizard = self.wizard
        sheet = book.sheet(self.env._("Summary"))
        sheet.text(self.env._("Intake Workbook"), book.title)
        sheet.skip()
        funnel = {row[0]: row[1:] for row in numbers["funnel"]}
        top = funnel.get(milestones.MAIN_PATH[0], (0,))[0]
        funded = funnel.get(milestones.RETAINER_FUNDED, (0, 0, 0, 0, 0))
        total = numbers["duration_total"]
        everyone = self.env._("All")
        sheet.pair(self.env._("Company"), ", ".join(self.env.companies.mapped("name")))
        sheet.pair(self.env._("Prepared By"), self.env.user.name)
        sheet.pair(
            self.env._("Prepared On"), self.local(fields.Datetime.now()), wb.DATETIME
        )
        sheet.pair(self.env._("Timezone"), str(self.tz))
        sheet.pair(self.env._("Period"), wizard._describe_period())
        sheet.pair(
            self.env._("From"), wizard.date_from or self.env._("(no start)"), wb.DATE
        )
        sheet.pair(self.env._("To"), wizard.date_to or self.env._("(no end)"), wb.DATE)
        sheet.pair(
            self.env._("Sales Teams"),
            ", ".join(wizard.team_ids.mapped("name")) or everyone,
        )
        sheet.pair(
            self.env._("Salespeople"),
            ", ".join(wizard.user_ids.mapped("name")) or everyone,
        )
        sheet.pair(
            self.env._("Now in Milestones"),
            ", ".join(self.label(role) for role in wizard._roles()) or everyone,
        )
        if wizard.lead_ids:
            sheet.pair(self.env._("Selected Leads"), len(wizard.lead_ids), wb.INTEGER)
        sheet.skip()
        sheet.text(self.env._("Key Figures"), book.label)
        sheet.pair(self.env._("New PNCs"), top, wb.INTEGER)
        sheet.pair(self.env._("Funded Retainers"), funded[0], wb.INTEGER)
        sheet.pair(
            self.env._("Conversion to Funded"),
            funded[4] / 100 if top else None,
            wb.PERCENT,
        )
        sheet.pair(
            self.env._("Median Days to Fund"), numbers["median_days_to_fund"], wb.NUMBER
        )
        sheet.pair(
            self.env._("Speed to Lead, Median (hours)"), total[5] or None, wb.NUMBER
        )
        sheet.pair(
            self.env._("Speed to Lead, Average (hours)"), total[4] or None, wb.NUMBER
        )
        sheet.skip()
        sheet.text(
            self.env._(
                "New PNCs: the leads %(period)s that entered the milestones; "
                "funded retainers and conversion from Milestone Funnel, days "
                "to fund (creation to funding) from Milestone Outcomes, speed "
                "to lead from Time in Milestone. Only the leads you may read "
                "are counted.",
                period=wizard._describe_period(),
            )
        )

    def funnel(self, book, rows):
        sheet = book.sheet(self.env._("Funnel"))
        table = sheet.table(
            [
                wb.Column(self.env._("Milestone")),
                wb.Column(self.env._("Leads"), wb.INTEGER),
                wb.Column(self.env._("Leads at Previous Milestone"), wb.INTEGER),
                wb.Column(self.env._("Dropped Before"), wb.INTEGER),
                wb.Column(self.env._("Conversion from Previous"), wb.PERCENT),
                wb.Column(self.env._("Conversion from Top"), wb.PERCENT),
            ]
        )
        for role, count, previous, dropped, from_previous, from_top in rows:
            table.append(
                [
                    self.label(role),
                    count,
                    previous,
                    dropped,
                    None if from_previous is False else from_previous / 100,
                    None if from_top is False else from_top / 100,
                ]
            )
        first, last = table.close()
        if not rows:
            return
        chart = book.chart({"type": "bar"})
        chart.add_series(
            {
                "name": self.env._("Leads"),
                "categories": [sheet.name, first, 0, last, 0],
                "values": [sheet.name, first, 1, last, 1],
                "data_labels": {"value": True},
            }
        )
        chart.set_title({"name": self.env._("Milestone Funnel")})
        chart.set_legend({"none": True})
        # The first milestone on top, as a funnel reads.
        chart.set_y_axis({"reverse": True})
        sheet.ws.insert_chart(1, 7, chart, {"x_scale": 1.4, "y_scale": 1.3})

    def flow(self, book, cells, outcomes):
        sheet = book.sheet(self.env._("Flow"))
        order = [CREATED, *milestones.ROLES, NO_MILESTONE]
        counts = {(source, target): count for source, target, count in cells}
        sources = [role for role in order if any(key[0] == role for key in counts)]
        targets = [role for role in order if any(key[1] == role for key in counts)]
        table = sheet.table(
            [
                wb.Column(self.env._("From \\ To")),
                *(wb.Column(self.label(role), wb.INTEGER) for role in targets),
                wb.Column(self.env._("Total"), wb.INTEGER),
            ]
        )
        for source in sources:
            row = [counts.get((source, target), 0) for target in targets]
            table.append([self.label(source), *row, sum(row)])
        totals = [sum(counts.get((s, t), 0) for s in sources) for t in targets]
        table.close(total=[self.env._("Total"), *totals, sum(totals)])

        # How the leads ended, by the last open milestone they were in.
        sheet.skip()
        sheet.text(self.env._("Outcomes by Last Open Milestone (leads)"), book.label)
        outcome_labels = dict(
            self.env["crm.milestone.outcome.report"]
            ._fields["outcome"]
            ._description_selection(self.env)
        )
        ends = {(last, outcome): count for last, outcome, count in outcomes}
        lasts = [role for role in order if any(key[0] == role for key in ends)]
        kinds = [kind for kind in outcome_labels if any(key[1] == kind for key in ends)]
        outcome_table = sheet.table(
            [
                wb.Column(self.env._("Last Open Milestone")),
                *(wb.Column(outcome_labels[kind], wb.INTEGER) for kind in kinds),
                wb.Column(self.env._("Total"), wb.INTEGER),
            ],
            freeze=False,
            autofilter=False,
        )
        for last in lasts:
            row = [ends.get((last, kind), 0) for kind in kinds]
            outcome_table.append([self.label(last), *row, sum(row)])
        totals = [sum(ends.get((last, kind), 0) for last in lasts) for kind in kinds]
        outcome_table.close(total=[self.env._("Total"), *totals, sum(totals)])

    def stage_history(self, book, rows):
        sheet = book.sheet(self.env._("Milestones Over Time"))
        counts = {(day, role): count for day, role, count in rows}
        days = sorted({day for day, _role in counts})
        roles = [
            role for role in milestones.OPEN_ROLES if any(k[1] == role for k in counts)
        ]
        table = sheet.table(
            [
                wb.Column(self.env._("Period End"), wb.DATE),
                *(wb.Column(self.label(role), wb.INTEGER) for role in roles),
                wb.Column(self.env._("Total"), wb.INTEGER),
            ]
        )
        for day in days:
            row = [counts.get((day, role), 0) for role in roles]
            table.append([day, *row, sum(row)])
        first, last = table.close()
        if not days:
            return
        chart = book.chart({"type": "column", "subtype": "stacked"})
        for col, _role in enumerate(roles, start=1):
            chart.add_series(
                {
                    "name": [sheet.name, first - 1, col],
                    "categories": [sheet.name, first, 0, last, 0],
                    "values": [sheet.name, first, col, last, col],
                    "gap": 50,
                }
            )
        chart.set_title({"name": self.env._("Open Leads by Milestone at Period End")})
        chart.set_x_axis({"num_format": book.date_format})
        chart.set_legend({"position": "bottom"})
        sheet.ws.insert_chart(
            1, len(roles) + 3, chart, {"x_scale": 1.6, "y_scale": 1.4}
        )

    def durations(self, book, numbers):
        sheet = book.sheet(self.env._("Time in Milestone"))
        table = sheet.table(
            [
                wb.Column(self.env._("Milestone")),
                wb.Column(self.env._("Finished Stays"), wb.INTEGER),
                wb.Column(self.env._("Leads"), wb.INTEGER),
                wb.Column(self.env._("Average Days"), wb.NUMBER),
                wb.Column(self.env._("Median Days"), wb.NUMBER),
                wb.Column(self.env._("Speed to Lead, Average (hours)"), wb.NUMBER),
                wb.Column(self.env._("Speed to Lead, Median (hours)"), wb.NUMBER),
            ]
        )
        for role, *values in numbers["durations"]:
            table.append([self.label(role), *self.blank_false(values)])
        total = self.blank_false(numbers["duration_total"])
        table.close(total=[self.env._("All Milestones"), *total])

    def forecast(self, book, numbers):
        sheet = book.sheet(self.env._("Forecast"))
        table = sheet.table(
            [
                wb.Column(self.env._("Milestone")),
                wb.Column(self.env._("Open Leads"), wb.INTEGER),
                wb.Column(self.env._("Funding Rate"), wb.PERCENT),
                wb.Column(self.env._("Usual Days to Funding"), wb.NUMBER),
                wb.Column(self.env._("Expected Fees if Funded"), wb.MONEY),
                wb.Column(self.env._("Retainers in 30 Days"), wb.NUMBER, "0.00"),
                wb.Column(self.env._("Retainers in 60 Days"), wb.NUMBER, "0.00"),
                wb.Column(self.env._("Retainers in 90 Days"), wb.NUMBER, "0.00"),
                wb.Column(self.env._("Fees in 30 Days"), wb.MONEY),
                wb.Column(self.env._("Fees in 60 Days"), wb.MONEY),
                wb.Column(self.env._("Fees in 90 Days"), wb.MONEY),
            ]
        )
        for role, count, rate, usual, *sums in numbers["forecast"]:
            rate = None if rate in (False, None) else rate / 100
            table.append([self.label(role), count, rate, usual or None, *sums])
        count, _rate, _usual, *sums = numbers["forecast_total"]
        table.close(total=[self.env._("Total"), count, None, None, *sums])

    # -- lead list and transition log, streamed in batches ---------------------

    def lead_columns(self):
        columns = [
            wb.Column(self.env._("ID"), wb.INTEGER),
            wb.Column(self.env._("Lead")),
            wb.Column(self.env._("Contact")),
            wb.Column(self.env._("Company Name")),
            wb.Column(self.env._("Email")),
            wb.Column(self.env._("Phone")),
            wb.Column(self.env._("Source")),
            wb.Column(self.env._("Referred By")),
            wb.Column(self.env._("Practice Area")),
            wb.Column(self.env._("Sales Team")),
            wb.Column(self.env._("Salesperson")),
            wb.Column(self.env._("Created On"), wb.DATETIME),
            wb.Column(self.env._("Stage")),
            wb.Column(self.env._("Conflict Status")),
        ]
        if self.conflict_details:
            columns += [
                wb.Column(self.env._("Conflict Hits")),
                wb.Column(self.env._("Conflict Notes")),
            ]
        columns.append(wb.Column(self.env._("Expected Fee"), wb.MONEY))
        columns += [
            wb.Column(
                self.env._("Reached %(milestone)s", milestone=self.label(role)), wb.DATE
            )
            for role in self.REACHED_ROLES
        ]
        columns += [
            wb.Column(self.env._("Outcome")),
            wb.Column(self.env._("Last Open Milestone")),
        ]
        return columns

    def log_columns(self):
        return [
            wb.Column(self.env._("Lead ID"), wb.INTEGER),
            wb.Column(self.env._("Lead")),
            wb.Column(self.env._("Moved On"), wb.DATETIME),
            wb.Column(self.env._("From Stage")),
            wb.Column(self.env._("To Stage")),
            wb.Column(self.env._("From Milestone")),
            wb.Column(self.env._("To Milestone")),
            wb.Column(self.env._("Kind of Move")),
            wb.Column(self.env._("Days in Previous Stage"), wb.NUMBER),
            wb.Column(self.env._("Moved By")),
            wb.Column(self.env._("Sales Team")),
            wb.Column(self.env._("Salesperson")),
            wb.Column(self.env._("Merged From")),
        ]

    def leads_and_log(self, book):
        wizard = self.wizard
        lead_table = log_table = None
        if wizard.include_leads:
            lead_table = book.sheet(self.env._("Leads")).table(self.lead_columns())
        if wizard.include_log:
            log_table = book.sheet(self.env._("Transition Log")).table(
                self.log_columns()
            )
        domain = wizard._lead_domain()
        outcomes = wizard._outcomes_by_lead() if lead_table else {}
        lead_ids = wizard._leads().search(domain, order="create_date, id").ids
        for start in range(0, len(lead_ids), BATCH_SIZE):
            batch = lead_ids[start : start + BATCH_SIZE]
            rows = self.fetch(
                "crm.lead",
                domain & Domain("id", "in", batch),
                self.LEAD_FIELDS,
                "create_date, id",
            )
            moves = self.fetch(
                "crm.lead.milestone.log",
                Domain("lead_id", "in", batch),
                self.LOG_FIELDS,
                "date, id",
            )
            by_lead = defaultdict(list)
            for move in moves:
                by_lead[move["lead_id"]].append(move)
            self.related.prefetch(rows, moves)
            conflicts = self.conflicts(rows) if self.conflict_details else {}
            for row in rows:
                lead_moves = by_lead.get(row["id"], ())
                if lead_table:
                    self.lead_row(
                        lead_table,
                        row,
                        lead_moves,
                        outcomes.get(row["id"], (None, None)),
                        conflicts.get(row["id"], ("", "")),
                    )
                if log_table:
                    for move in lead_moves:
                        self.log_row(log_table, row, move)
            # Nothing of this batch is read again: keep memory flat.
            self.env.invalidate_all()
        if lead_table:
            lead_table.close()
        if log_table:
            log_table.close()

    def fetch(self, model, domain, field_names, order):
        """The plain column values (dicts) of the records of ``model`` in
        ``domain``: the ORM's own query, so record rules, field groups and
        archived records count as in a search, without building records for
        hundreds of thousands of rows."""
        records = self.env[model].with_context(active_test=False)
        query = records._search(domain, order=order)
        columns = []
        for name in ("id", *field_names):
            value = records._field_to_sql(query.table, name, query)
            if records._fields[name].type in ("float", "monetary"):
                # Numeric columns come back as Decimal: cells want floats.
                value = SQL("%s::float8", value)
            columns.append(SQL("%s AS %s", value, SQL.identifier(name)))
        return self.env.execute_query_dict(query.select(*columns))

    def selection_labels(self):
        """Translated labels of the selections the lead list shows."""
        env = self.env

        def labels(model, field):
            return dict(env[model]._fields[field]._description_selection(env))

        return {
            "conflict_status": labels("crm.lead", "conflict_status"),
            "move_kind": labels("crm.lead.milestone.log", "move_kind"),
            "outcome": labels("crm.milestone.outcome.report", "outcome"),
        }

    def lead_row(self, table, row, moves, outcome, conflict):
        related = self.related
        reached = milestones.reached_dates(
            (move["date"], move["to_role"]) for move in moves
        )
        values = [
            row["id"],
            row["name"],
            row["contact_name"],
            row["partner_name"],
            row["email_from"],
            row["phone"],
            related.get("utm.source", row["source_id"]),
            row["referred"],
            related.get("crm.practice.area", row["practice_area_id"]),
            related.get("crm.team", row["team_id"]),
            related.get("res.users", row["user_id"]),
            self.local(row["create_date"]),
            related.get("crm.stage", row["stage_id"]),
            self.labels["conflict_status"].get(row["conflict_status"]),
        ]
        if self.conflict_details:
            values += conflict
        money_column = len(values)
        values.append(row["expected_revenue"])
        values += [self.local(reached.get(role)) for role in self.REACHED_ROLES]
        values += [self.labels["outcome"].get(outcome[0]), self.label(outcome[1])]
        table.append(values, formats={money_column: related.money(row["company_id"])})

    def log_row(self, table, lead, move):
        related = self.related
        table.append(
            [
                lead["id"],
                lead["name"],
                self.local(move["date"]),
                related.get("crm.stage", move["from_stage_id"]),
                related.get("crm.stage", move["to_stage_id"]),
                self.label(move["from_role"]),
                self.label(move["to_role"]),
                self.labels["move_kind"].get(move["move_kind"]),
                move["duration_days"] if move["move_kind"] != "entry" else None,
                related.get("res.users", move["user_id"]),
                related.get("crm.team", move["team_id"]),
                related.get("res.users", move["salesperson_id"]),
                move["merged_from"],
            ]
        )

    def conflicts(self, rows):
        """{lead id: (hits, notes)} of the leads' latest conflict checks, for
        the Attorney group (whose access rights these reads need)."""
        env = self.env
        run_ids = [row["conflict_check_id"] for row in rows if row["conflict_check_id"]]
        if not run_ids:
            return {}
        kinds = dict(
            env["crm.conflict.hit"]._fields["kind"]._description_selection(env)
        )
        hits = defaultdict(list)
        for hit in env["crm.conflict.hit"].search_read(
            [("run_id", "in", run_ids)],
            ["lead_id", "searched_name", "matched_name", "kind", "score"],
            load=None,
        ):
            hits[hit["lead_id"]].append(
                self.env._(
                    "%(searched)s ~ %(matched)s (%(kind)s, %(score)s)",
                    searched=hit["searched_name"] or "-",
                    matched=hit["matched_name"] or "-",
                    kind=kinds.get(hit["kind"], hit["kind"]),
                    score=round(hit["score"] or 0),
                )
            )
        notes = defaultdict(list)
        for run in (
            env["crm.conflict.check"]
            .browse(run_ids)
            .read(["lead_id", "note"], load=None)
        ):
            if run["note"]:
                notes[run["lead_id"]].append(run["note"])
        waived = self.wizard._leads().browse([row["id"] for row in rows])
        for lead in waived.read(["conflict_waiver_reason"]):
            if lead["conflict_waiver_reason"]:
                notes[lead["id"]].append(
                    self.env._(
                        "Waived: %(reason)s", reason=lead["conflict_waiver_reason"]
                    )
                )
        return {
            lead_id: ("\n".join(hits.get(lead_id, ())), "\n".join(notes[lead_id]))
            for lead_id in set(hits) | set(notes)
        }


class _NameCache:
    """Display names of the few records the rows point to (stages, teams,
    users, sources, practice areas), read once as the current user, and
    each company's money format."""

    LEAD_LINKS = (
        ("source_id", "utm.source"),
        ("practice_area_id", "crm.practice.area"),
        ("team_id", "crm.team"),
        ("user_id", "res.users"),
        ("stage_id", "crm.stage"),
        ("company_id", "res.company"),
    )
    LOG_LINKS = (
        ("from_stage_id", "crm.stage"),
        ("to_stage_id", "crm.stage"),
        ("user_id", "res.users"),
        ("salesperson_id", "res.users"),
        ("team_id", "crm.team"),
    )

    def __init__(self, env, money_format):
        self.env = env
        self.money_format = money_format
        self.names = defaultdict(dict)
        self.formats = {}

    def prefetch(self, leads, moves):
        wanted = defaultdict(set)
        for rows, links in ((leads, self.LEAD_LINKS), (moves, self.LOG_LINKS)):
            for field, model in links:
                wanted[model].update(row[field] for row in rows if row[field])
        for model, ids in wanted.items():
            missing = ids - self.names[model].keys()
            if not missing:
                continue
            records = self.env[model].with_context(active_test=False).browse(missing)
            for record in records:
                self.names[model][record.id] = record.display_name
                if model == "res.company":
                    self.formats[record.id] = self.money_format(record.currency_id)

    def get(self, model, record_id):
        return self.names[model].get(record_id) if record_id else None

    def money(self, company_id):
        return self.formats.get(company_id)
