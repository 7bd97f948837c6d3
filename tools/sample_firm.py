"""A deterministic sample law firm: a year of intake, and its loader.

Two parts:

* ``generate()`` builds the firm as plain Python data (standard library only,
  no Odoo): intake staff, lead sources, practice areas and a stream of
  prospective new clients (PNCs), each with the back-dated milestones it
  went through. The shape of the funnel follows the published intake figures
  in shared/INTAKE_FACTS.md (see ``SOURCES``, ``PRACTICE_AREAS`` and
  ``_Walker``).
* ``main()`` loads such a firm into an Odoo 19 database where the addon is
  installed (users, team, sources, leads, then the milestone log in SQL)::

      python tools/sample_firm.py --database DB --addons-path PATH \\
          --leads 300 --seed 2026

Everyone in it is fictional: names are drawn at random from lists of first
and last names, e-mails use reserved example domains and phone numbers the
555-01xx range reserved for fiction.
"""

import argparse
import bisect
import datetime as dt
import importlib.util
import math
import random
import sys
import time
import unicodedata
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _load_milestones():
    """The addon's pure milestone module, read from its file (no Odoo)."""
    name = "crm_law_milestones_pure_milestones"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "lib" / "milestones.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


milestones = _load_milestones()

AWAITING_INFO = milestones.AWAITING_INFO
CONTACT_INFO_RECEIVED = milestones.CONTACT_INFO_RECEIVED
CONTACT_MADE = milestones.CONTACT_MADE
APPOINTMENT_MADE = milestones.APPOINTMENT_MADE
INITIAL_CONSULT = milestones.INITIAL_CONSULT
RETAINER_SIGNED = milestones.RETAINER_SIGNED
RETAINER_FUNDED = milestones.RETAINER_FUNDED
LOST = milestones.LOST
REFUSED = milestones.REFUSED
WAITING_ON = milestones.WAITING_ON
MAIN_PATH = milestones.MAIN_PATH
ROLES = milestones.ROLES
classify_move = milestones.classify_move

UTC = dt.timezone.utc
# Tests need a fixed year; the CLI passes the current time instead.
DEFAULT_END = dt.datetime(2026, 1, 15, 18, 0, tzinfo=UTC)
PERIOD = dt.timedelta(days=365)
# The firm sits in Illinois. Office hours are reckoned in standard time all
# year: an hour off in summer does not matter to sample data.
LOCAL_OFFSET = dt.timedelta(hours=-6)
OFFICE_OPENS, OFFICE_CLOSES = 8, 18
FIRM_DOMAIN = "sample-firm.example"


def _ascii_slug(text):
    """Lower-case ASCII for e-mail local parts: 'Zoë Muñoz' -> 'zoe.munoz'."""
    folded = unicodedata.normalize("NFKD", text).replace("ł", "l").replace("Ł", "L")
    folded = folded.replace("ø", "o").replace("Ø", "O")
    plain = folded.encode("ascii", "ignore").decode().lower()
    return "".join(ch if ch.isalnum() else "." for ch in plain).strip(".")


# ---------------------------------------------------------------------------
# The firm's reference data
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Salesperson:
    name: str
    login: str
    job_title: str
    # Typical delay before this person answers a new inquiry, in minutes.
    median_response_minutes: float
    # Relative share of the new leads assigned to this person.
    assignment_weight: float


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    name: str
    share: float
    # Chances of starting at awaiting_info, contact_info_received and
    # contact_made.
    entry_weights: tuple
    # Chance of getting hold of the person at all, before the response-delay
    # penalty.
    reach: float
    # Chances, once in contact, of being screened out (refused) and of the
    # person going quiet or hiring someone else before an appointment.
    refusal: float
    dropout: float
    # Multiplier on the practice area's chance of signing after the consult.
    closing: float
    unassigned: float


@dataclass(frozen=True, slots=True)
class PracticeArea:
    key: str
    name: str
    share: float
    fee_low: int
    fee_high: int
    # Chance of a retainer being signed after the initial consult.
    signing: float
    # Chance that a signed retainer waits (funds, waiting period) before being
    # funded.
    waiting: float
    # Extra chance of being screened out (no viable case, wrong case type).
    extra_refusal: float
    company_share: float
    descriptions: tuple


def _staff(name, job_title, median_response_minutes, assignment_weight):
    login = f"{_ascii_slug(name)}@{FIRM_DOMAIN}"
    return Salesperson(
        name, login, job_title, median_response_minutes, assignment_weight
    )


# Intake specialists answer fastest and get most new inquiries.
SALESPEOPLE = (
    _staff("Marisol Ferreira", "Intake Specialist", 6, 3.0),
    _staff("Tobias Lindqvist", "Intake Specialist", 25, 3.0),
    _staff("Callum Reyes-Whitfield", "Paralegal", 70, 2.0),
    _staff("Adaeze Okonkwo", "Associate Attorney", 180, 1.5),
    _staff("Renée Duchamp", "Managing Attorney", 420, 1.0),
)
# The addon's roles (security/crm_law_milestones_security.xml) by job.
STAFF_GROUPS = {
    "Intake Specialist": "crm_law_milestones.group_intake_staff",
    "Paralegal": "crm_law_milestones.group_intake_staff",
    "Associate Attorney": "crm_law_milestones.group_conflict_check",
    "Managing Attorney": "crm_law_milestones.group_intake_manager",
}
# Nobody picks up an unassigned inquiry for a while.
UNASSIGNED_MEDIAN_RESPONSE_MINUTES = 1800

# Referrals convert far better than cold web leads, paid ads sit in between
# (INTAKE_FACTS.md: referrals 50%+ of qualified leads, web 10-20%).
SOURCES = (
    Source(
        "referral",
        "Referral",
        0.09,
        (0.10, 0.50, 0.40),
        reach=0.95,
        refusal=0.08,
        dropout=0.04,
        closing=1.6,
        unassigned=0.02,
    ),
    Source(
        "website",
        "Website form",
        0.31,
        (0.40, 0.60, 0.0),
        reach=0.58,
        refusal=0.36,
        dropout=0.17,
        closing=0.62,
        unassigned=0.18,
    ),
    Source(
        "google_ads",
        "Google Ads",
        0.19,
        (0.30, 0.70, 0.0),
        reach=0.62,
        refusal=0.30,
        dropout=0.14,
        closing=0.85,
        unassigned=0.15,
    ),
    Source(
        "directory",
        "Legal directory",
        0.11,
        (0.25, 0.75, 0.0),
        reach=0.65,
        refusal=0.30,
        dropout=0.13,
        closing=0.80,
        unassigned=0.15,
    ),
    Source(
        "phone",
        "Phone call",
        0.22,
        (0.0, 0.40, 0.60),
        reach=0.85,
        refusal=0.30,
        dropout=0.10,
        closing=0.85,
        unassigned=0.04,
    ),
    Source(
        "walk_in",
        "Walk-in",
        0.08,
        (0.0, 0.0, 1.0),
        reach=1.0,
        refusal=0.30,
        dropout=0.08,
        closing=0.85,
        unassigned=0.02,
    ),
)

PRACTICE_AREAS = (
    PracticeArea(
        "family",
        "Family Law",
        0.25,
        3500,
        15000,
        signing=0.48,
        waiting=0.35,
        extra_refusal=0.0,
        company_share=0.0,
        descriptions=(
            "Divorce, two children, house in joint names.",
            "Wants to modify a custody order after moving.",
            "Spouse already filed; served last week.",
            "Child support arrears, ex-partner out of state.",
            "Prenuptial agreement before a June wedding.",
        ),
    ),
    PracticeArea(
        "estate_planning",
        "Estate Planning",
        0.16,
        1500,
        6500,
        signing=0.58,
        waiting=0.20,
        extra_refusal=0.0,
        company_share=0.05,
        descriptions=(
            "Needs a will and powers of attorney for both spouses.",
            "Living trust; owns rental property in two states.",
            "Parent recently passed, estate needs probate.",
            "Update beneficiaries after remarriage.",
            "Succession plan for the family business.",
        ),
    ),
    PracticeArea(
        "criminal_defence",
        "Criminal Defence",
        0.17,
        2500,
        25000,
        signing=0.62,
        waiting=0.25,
        extra_refusal=0.02,
        company_share=0.0,
        descriptions=(
            "First DUI arrest, court date next month.",
            "Son charged with possession, arraignment Friday.",
            "Expungement of a 2015 misdemeanour.",
            "Probation violation hearing scheduled.",
            "Retail theft charge, no prior record.",
        ),
    ),
    PracticeArea(
        "personal_injury",
        "Personal Injury",
        0.18,
        8000,
        120000,
        signing=0.45,
        waiting=0.12,
        extra_refusal=0.10,
        company_share=0.0,
        descriptions=(
            "Rear-ended at a red light, neck injury, in physical therapy.",
            "Slip and fall in a grocery store, broken wrist.",
            "Dog bite at a neighbour's house.",
            "Cyclist hit by a delivery van, insurer already called.",
            "Injured on a construction site, not the employer's fault.",
        ),
    ),
    PracticeArea(
        "immigration",
        "Immigration",
        0.12,
        2000,
        12000,
        signing=0.50,
        waiting=0.40,
        extra_refusal=0.03,
        company_share=0.15,
        descriptions=(
            "Spouse visa, married last year.",
            "Green card renewal with an old arrest on record.",
            "Employer wants to sponsor an H-1B engineer.",
            "Asylum interview scheduled in six weeks.",
            "Naturalisation application, needs review.",
        ),
    ),
    PracticeArea(
        "employment",
        "Employment",
        0.12,
        4000,
        40000,
        signing=0.42,
        waiting=0.20,
        extra_refusal=0.05,
        company_share=0.35,
        descriptions=(
            "Fired two weeks after reporting harassment.",
            "Unpaid overtime for a team of warehouse staff.",
            "Severance agreement to review before signing.",
            "Employer needs an updated employee handbook.",
            "Non-compete dispute with a former employer.",
        ),
    ),
)

# Why a lead was lost, by the milestone it was lost from. Names match (or
# become) crm.lost.reason records.
NEVER_ANSWERED = "Never answered"
MISSING_DETAILS = "Never sent the missing details"
STOPPED_RESPONDING = "Stopped responding"
HIRED_ELSEWHERE = "Hired another firm"
NO_SHOW = "No-show"
TOO_EXPENSIVE = "Fees too high"
NOT_PROCEEDING = "Decided not to proceed"
FUNDS_NEVER_CAME = "Retainer never funded"
LOST_REASONS = (
    NEVER_ANSWERED,
    MISSING_DETAILS,
    STOPPED_RESPONDING,
    HIRED_ELSEWHERE,
    NO_SHOW,
    TOO_EXPENSIVE,
    NOT_PROCEEDING,
    FUNDS_NEVER_CAME,
)
# Why the firm declined, keyed like crm.refusal.reason's reason_kind.
REFUSAL_KINDS = ("conflict", "service_area", "case_type", "other")


# ---------------------------------------------------------------------------
# Fictional people
# ---------------------------------------------------------------------------

FIRST_NAMES = tuple(
    """
    Amara André Anneliese Arjun Beatriz Björn Camille Carmen Chloé Dario
    Delphine Desmond Elif Emeka Esperanza Fatima Felix Gráinne Hana Hiroshi
    Idris Inés Isaac Jasmine Joaquín Jürgen Kalani Keziah Lars Leilani Lucía
    Łukasz Mateo Maëlle Malik Mei Mónica Nadia Noémie Obinna Olufemi Priyanka
    Quentin Rafael Ramón Renata Rosalind Saoirse Siobhán Søren Tamsin
    Thandiwe Tomás Valentina Wendell Xiomara Yusuf Zoë Dolores Everett Gideon
    Harriet Imogen Jonah Marguerite Nils Odessa Percival Rosalie Theodora
""".split()
)
LAST_NAMES = tuple(
    """
    Abernathy Achterberg Álvarez Amankwah Bălan Barrowclough Bergström
    Castellanos Chaudhry Dąbrowski Delacroix Easterbrook Esposito Fairweather
    Fernández Gallagher Gómez Haverford Hollingsworth Ibáñez Ivanova
    Jankowski Kaur Kowalczyk Lachance Lowenthal Marchetti Müller
    Muñoz Nakamura Nwachukwu O'Donnell Okafor Østergaard Pacheco Peña
    Pettersen Quintero Rasmussen Ravensworth Rosenthal Sánchez Schäfer Szabó
    Takahashi Thibodeaux Trương Underhill Vasquez Villanueva Wainwright
    Whitlock Yamamoto Zielińska Zubiri Ashdown Brennan Corcoran Dunmore
    Elsworth Fenwick Galloway Hargreave
""".split()
)
COMPANY_WORDS = tuple(
    """
    Roofing Bakery Logistics Dental Landscaping Motors Consulting Hospitality
    Builders Software Cleaning Print
""".split()
)
COMPANY_SUFFIXES = ("LLC", "Inc.", "LLC", "Ltd.", "& Sons", "Co.", "LLP")
EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example")
# (city, state code, phone area code, weight); the firm is in Illinois and a
# few inquiries come from out of state, which it cannot take.
CITIES = (
    ("Chicago", "IL", "312", 22),
    ("Chicago", "IL", "773", 14),
    ("Evanston", "IL", "847", 5),
    ("Skokie", "IL", "847", 3),
    ("Schaumburg", "IL", "847", 4),
    ("Elgin", "IL", "847", 3),
    ("Waukegan", "IL", "847", 2),
    ("Naperville", "IL", "630", 6),
    ("Aurora", "IL", "630", 5),
    ("Oak Park", "IL", "708", 4),
    ("Cicero", "IL", "708", 3),
    ("Joliet", "IL", "815", 5),
    ("Rockford", "IL", "815", 3),
    ("Peoria", "IL", "309", 2),
    ("Bloomington", "IL", "309", 2),
    ("Springfield", "IL", "217", 2),
    ("Champaign", "IL", "217", 2),
    ("Milwaukee", "WI", "414", 2),
    ("Gary", "IN", "219", 2),
    ("Indianapolis", "IN", "317", 1),
    ("St. Louis", "MO", "314", 1),
)
HOME_STATE = "IL"


# ---------------------------------------------------------------------------
# The generated firm
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Pnc:
    """A prospective new client and the milestones it went through."""

    number: int
    reference: str
    title: str
    contact_name: str
    company_name: str | None
    email: str | None  # None while the firm has no contact details
    phone: str | None
    city: str
    state_code: str
    source: str
    practice_area: str
    salesperson: str | None  # login, None when nobody was assigned
    expected_fee: int
    description: str | None
    # Minutes from the contact details arriving to the firm's first reply;
    # 0 when spoken to on the spot, None when no details ever came.
    first_response_minutes: int | None
    # (role, aware UTC datetime) pairs, oldest first; the first is creation.
    history: tuple
    lost_reason: str | None = None
    refusal_kind: str | None = None
    # (name, role) of everyone in the matter, the prospective client first;
    # roles as crm.lead.party has them.
    parties: tuple = ()
    # A conflict of interest planted for the conflict check to find:
    # "adverse_is_client" (an adverse party is an earlier funded client) or
    # "client_was_adverse" (the PNC was an adverse party in an earlier matter).
    planted_conflict: str | None = None

    @property
    def created(self):
        return self.history[0][1]

    @property
    def final_role(self):
        return self.history[-1][0]

    @property
    def roles(self):
        return [role for role, _when in self.history]


class PncStream:
    """The firm's PNCs, generated afresh (and identically) on each iteration.

    Nothing is kept in memory, so a firm of any size can be walked; ``list()``
    it when random access is needed.
    """

    def __init__(self, count, seed, end):
        self.count = count
        self.seed = seed
        self.end = end

    def __len__(self):
        return self.count

    def __iter__(self):
        rng = random.Random(self.seed)
        arrivals = _ArrivalClock(self.end)
        walker = _Walker(rng, self.end)
        people = _PeopleMaker(rng)
        # The parties come from a stream of their own: adding them changed
        # nothing else of the firm.
        parties = _PartyMaker(self.seed)
        for number in range(1, self.count + 1):
            # Stratified draw: lead n arrives in the n-th slice of the year's
            # inquiries, so creation dates come out in order.
            created = arrivals.at((number - 1 + rng.random()) / self.count)
            yield parties.add(_make_pnc(rng, number, created, people, walker))


@dataclass(slots=True)
class SampleFirm:
    name: str
    seed: int
    start: dt.datetime
    end: dt.datetime
    salespeople: tuple
    sources: tuple
    practice_areas: tuple
    lost_reasons: tuple
    refusal_kinds: tuple
    pncs: PncStream = field(repr=False)


def generate(leads=300, seed=2026, end=None):
    """Build the sample firm: ``leads`` PNCs over the year before ``end``.

    Deterministic for a given (leads, seed, end). ``end`` defaults to a fixed
    date; pass an aware datetime (a naive one is taken as UTC).
    """
    if leads < 0:
        raise ValueError("leads must not be negative")
    if end is None:
        end = DEFAULT_END
    elif end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    else:
        end = end.astimezone(UTC)
    return SampleFirm(
        name="Sample Firm (fictional)",
        seed=seed,
        start=end - PERIOD,
        end=end,
        salespeople=SALESPEOPLE,
        sources=SOURCES,
        practice_areas=PRACTICE_AREAS,
        lost_reasons=LOST_REASONS,
        refusal_kinds=REFUSAL_KINDS,
        pncs=PncStream(leads, seed, end),
    )


def funnel_counts(firm):
    """How many PNCs reached each main-path milestone, in path order.

    A PNC counts at every milestone up to the furthest one it reached, so a
    skip ahead (or creation straight at a later milestone) counts as reaching
    the milestones passed over.
    """
    counts = dict.fromkeys(MAIN_PATH, 0)
    position = {role: index for index, role in enumerate(MAIN_PATH)}
    for pnc in firm.pncs:
        furthest = max(position.get(role, -1) for role, _when in pnc.history)
        for role in MAIN_PATH[: furthest + 1]:
            counts[role] += 1
    return counts


def move_rows(pnc):
    """(from_role, to_role, date, duration_days, move_kind) for each step."""
    rows = []
    previous_role = previous_date = None
    for role, when in pnc.history:
        duration = 0.0
        if previous_date is not None:
            duration = (when - previous_date).total_seconds() / 86400
        rows.append(
            (previous_role, role, when, duration, classify_move(previous_role, role))
        )
        previous_role, previous_date = role, when
    return rows


# ---------------------------------------------------------------------------
# Generation internals
# ---------------------------------------------------------------------------


class _ArrivalClock:
    """Maps a quantile of the year's inquiries to an arrival time.

    Inquiries come mostly on weekdays in office hours, some in the evening,
    few at night, and the firm grows a little over the year.
    """

    def __init__(self, end):
        self.start = end - PERIOD
        hours = int(PERIOD.total_seconds() // 3600)
        self.cumulative = []
        total = 0.0
        for hour in range(hours):
            local = self.start + dt.timedelta(hours=hour) + LOCAL_OFFSET
            weight = _HOUR_WEIGHTS[local.hour]
            if local.weekday() >= 5:
                weight *= 0.35
            weight *= 0.85 + 0.3 * hour / hours
            total += weight
            self.cumulative.append(total)
        self.total = total

    def at(self, quantile):
        target = quantile * self.total
        hour = bisect.bisect_left(self.cumulative, target)
        hour = min(hour, len(self.cumulative) - 1)
        below = self.cumulative[hour - 1] if hour else 0.0
        fraction = (target - below) / (self.cumulative[hour] - below)
        seconds = int((hour + fraction) * 3600)
        return self.start + dt.timedelta(seconds=seconds)


_HOUR_WEIGHTS = (
    (0.15,) * 6 + (0.4, 0.8) + (1.0,) * 10 + (0.7, 0.6, 0.5, 0.4) + (0.25,) * 2
)


class _PeopleMaker:
    def __init__(self, rng):
        self.rng = rng
        self.first = [(name, _ascii_slug(name)) for name in FIRST_NAMES]
        self.last = [(name, _ascii_slug(name)) for name in LAST_NAMES]
        self.city_weights = [
            sum(city[3] for city in CITIES[: i + 1]) for i in range(len(CITIES))
        ]

    def person(self):
        rng = self.rng
        first, first_slug = rng.choice(self.first)
        last, last_slug = rng.choice(self.last)
        return f"{first} {last}", first_slug, last_slug

    def email(self, first_slug, last_slug):
        style = self.rng.randrange(4)
        if style == 0:
            local = f"{first_slug}.{last_slug}"
        elif style == 1:
            local = f"{first_slug[0]}{last_slug}"
        elif style == 2:
            local = f"{first_slug}{self.rng.randrange(10, 99)}"
        else:
            local = f"{last_slug}.{first_slug}"
        return f"{local}@{self.rng.choice(EMAIL_DOMAINS)}"

    def company(self):
        rng = self.rng
        last, last_slug = rng.choice(self.last)
        word = rng.choice(COMPANY_WORDS)
        suffix = rng.choice(COMPANY_SUFFIXES)
        return f"{last} {word} {suffix}", f"{last_slug}{_ascii_slug(word)}"

    def city(self):
        pick = self.rng.random() * self.city_weights[-1]
        return CITIES[bisect.bisect_right(self.city_weights, pick)]


# Party roles, as crm.lead.party spells them.
PROSPECTIVE_CLIENT = "prospective_client"
ADVERSE_PARTY = "adverse_party"
OPPOSING_COUNSEL = "opposing_counsel"
CO_PARTY = "co_party"
RELATED_PARTY = "related_party"
WITNESS = "witness"
ADVERSE_IS_CLIENT = "adverse_is_client"
CLIENT_WAS_ADVERSE = "client_was_adverse"
# Open leads not yet screened that carry a planted conflict, waiting for
# someone to run the check: many more than real life, for the demonstration.
OPEN_CONFLICT_SHARE = 0.35
_UNSCREENED = (CONTACT_INFO_RECEIVED, CONTACT_MADE)
# From this milestone on, a lead passed its conflict check.
_SCREENED_FROM = MAIN_PATH.index(APPOINTMENT_MADE)
# How many earlier clients and adversaries the generator remembers.
PARTY_MEMORY = 400


def _plain_letters(text):
    """The name without accents: 'Zoë Muñoz' -> 'Zoe Munoz'."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


class _PartyMaker:
    """The other people of each matter, and a few real conflicts.

    Who else is in a matter depends on its practice area: the spouse in a
    divorce, the employer in a dismissal, the driver or the company in an
    accident. A PNC the firm refused for a conflict gets one that the check
    really finds, as do some open leads not yet screened: an adverse party
    who is an earlier funded client, or a PNC who was an adverse party in an
    earlier matter.
    """

    def __init__(self, seed):
        self.rng = random.Random(f"parties-{seed}")
        self.clients = deque(maxlen=PARTY_MEMORY)
        self.adversaries = deque(maxlen=PARTY_MEMORY)

    def add(self, pnc):
        rng = self.rng
        planted = None
        contact_name, email = pnc.contact_name, pnc.email
        wants_conflict = (
            pnc.final_role == REFUSED and pnc.refusal_kind == "conflict"
        ) or (pnc.final_role in _UNSCREENED and rng.random() < OPEN_CONFLICT_SHARE)
        if wants_conflict:
            if self.clients and (pnc.number % 2 or not self.adversaries):
                planted = ADVERSE_IS_CLIENT
            elif self.adversaries and not pnc.company_name:
                planted = CLIENT_WAS_ADVERSE
                contact_name = rng.choice(self.adversaries)
                if email is not None:
                    first, last = _ascii_slug(contact_name).split(".", 1)
                    email = f"{first}.{last}@example.com"

        shown_name = pnc.company_name or contact_name
        others = self._others(pnc, contact_name)
        # People who were adversaries, as drawn (never a planted variant).
        self.adversaries.extend(
            name
            for name, role in others
            if role == ADVERSE_PARTY and not _is_company(name)
        )
        if planted == ADVERSE_IS_CLIENT:
            others.insert(0, (self._variant(rng.choice(self.clients)), ADVERSE_PARTY))
        parties = ((shown_name, PROSPECTIVE_CLIENT), *others)
        if RETAINER_FUNDED in pnc.roles:
            self.clients.append(shown_name)
        area_name = pnc.title.split(":", 1)[0]
        return replace(
            pnc,
            contact_name=contact_name,
            email=email,
            title=f"{area_name}: {shown_name}",
            parties=parties,
            planted_conflict=planted,
        )

    def _person(self, last=None):
        rng = self.rng
        return f"{rng.choice(FIRST_NAMES)} {last or rng.choice(LAST_NAMES)}"

    def _company(self):
        rng = self.rng
        return (
            f"{rng.choice(LAST_NAMES)} {rng.choice(COMPANY_WORDS)} "
            f"{rng.choice(COMPANY_SUFFIXES)}"
        )

    def _others(self, pnc, contact_name):
        """Everyone but the prospective client, by practice area."""
        rng = self.rng
        area = pnc.practice_area
        surname = contact_name.split(" ", 1)[1]
        others = []
        if area == "family":
            # The spouse often shares the surname: "John Smith" v "Jane Smith".
            spouse = self._person(surname if rng.random() < 0.5 else None)
            others.append((spouse, ADVERSE_PARTY))
            if rng.random() < 0.4:
                others.append((f"{self._person()}, Esq.", OPPOSING_COUNSEL))
        elif area == "personal_injury":
            at_fault = self._company() if rng.random() < 0.5 else self._person()
            others.append((at_fault, ADVERSE_PARTY))
            if rng.random() < 0.3:
                others.append((self._person(), WITNESS))
        elif area == "employment":
            if pnc.company_name:
                others.append((self._person(), ADVERSE_PARTY))
            else:
                others.append((self._company(), ADVERSE_PARTY))
                if rng.random() < 0.3:
                    others.append((self._person(), WITNESS))
        elif area == "estate_planning":
            heirs = {self._person(surname) for _heir in range(rng.randrange(1, 3))}
            others.extend((heir, RELATED_PARTY) for heir in sorted(heirs))
        elif area == "immigration":
            if rng.random() < 0.5:
                others.append((self._person(surname), RELATED_PARTY))
        elif area == "criminal_defence":
            if rng.random() < 0.25:
                others.append((self._person(), CO_PARTY))
        return others

    def _variant(self, name):
        """The same name as intake might type it another time."""
        first, _space, last = name.partition(" ")
        style = self.rng.randrange(4)
        if style == 0 or _is_company(name):
            return name
        if style == 1:
            return f"{last}, {first}"
        if style == 2:
            return _plain_letters(name)
        return f"Dr. {name}"


def _is_company(name):
    return any(name.endswith(suffix) for suffix in COMPANY_SUFFIXES)


def _weighted(rng, items, weights_total, cumulative):
    return items[bisect.bisect_right(cumulative, rng.random() * weights_total)]


def _cumulative(weights):
    total = 0.0
    out = []
    for weight in weights:
        total += weight
        out.append(total)
    return total, out


_SOURCE_TOTAL, _SOURCE_CUMULATIVE = _cumulative(s.share for s in SOURCES)
_AREA_TOTAL, _AREA_CUMULATIVE = _cumulative(a.share for a in PRACTICE_AREAS)
_STAFF_TOTAL, _STAFF_CUMULATIVE = _cumulative(s.assignment_weight for s in SALESPEOPLE)
_ENTRY_ROLES = (AWAITING_INFO, CONTACT_INFO_RECEIVED, CONTACT_MADE)
_BEFORE_DETAILS = (AWAITING_INFO, LOST, REFUSED)


def _make_pnc(rng, number, created, people, walker):
    source = _weighted(rng, SOURCES, _SOURCE_TOTAL, _SOURCE_CUMULATIVE)
    area = _weighted(rng, PRACTICE_AREAS, _AREA_TOTAL, _AREA_CUMULATIVE)
    contact_name, first_slug, last_slug = people.person()
    company_name = None
    if rng.random() < area.company_share:
        company_name, company_slug = people.company()
        email = f"{first_slug}@{company_slug}.example"
    else:
        email = people.email(first_slug, last_slug)
    city, state_code, area_code, _weight = people.city()
    # 555-0100..0199 are the numbers reserved for fiction in every area code.
    phone = f"+1 {area_code} 555 01{rng.randrange(100):02d}"

    salesperson = None
    if rng.random() >= source.unassigned:
        salesperson = _weighted(rng, SALESPEOPLE, _STAFF_TOTAL, _STAFF_CUMULATIVE)
    median_response = (
        salesperson.median_response_minutes
        if salesperson
        else UNASSIGNED_MEDIAN_RESPONSE_MINUTES
    )
    entry = _ENTRY_ROLES[_pick_index(rng, source.entry_weights)]

    fee = rng.uniform(math.log(area.fee_low), math.log(area.fee_high))
    expected_fee = int(round(math.exp(fee), -2))
    description = None
    if rng.random() < 0.6:
        description = rng.choice(area.descriptions)

    lead = _Lead(source, area, median_response, state_code != HOME_STATE)
    history = walker.walk(lead, entry, created)
    if not any(role not in _BEFORE_DETAILS for role, _when in history):
        # Awaiting Info means the firm has no way to reach them yet.
        email = phone = None
    shown_name = company_name or contact_name
    return Pnc(
        number=number,
        reference=f"PNC-{number:06d}",
        title=f"{area.name}: {shown_name}",
        contact_name=contact_name,
        company_name=company_name,
        email=email,
        phone=phone,
        city=city,
        state_code=state_code,
        source=source.key,
        practice_area=area.key,
        salesperson=salesperson.login if salesperson else None,
        expected_fee=expected_fee,
        description=description,
        first_response_minutes=lead.response_minutes,
        history=history,
        lost_reason=lead.reason,
        refusal_kind=lead.refusal_kind,
    )


def _pick_index(rng, weights):
    pick = rng.random() * sum(weights)
    for index, weight in enumerate(weights):
        pick -= weight
        if pick < 0:
            return index
    return len(weights) - 1


def _office_time(when, rng):
    """``when`` if the office is open then, else a little after it opens."""
    local = when + LOCAL_OFFSET
    if local.weekday() < 5 and OFFICE_OPENS <= local.hour < OFFICE_CLOSES:
        return when
    day = local.date()
    if local.hour >= OFFICE_CLOSES or local.weekday() >= 5:
        day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    opening = dt.datetime(day.year, day.month, day.day, OFFICE_OPENS, tzinfo=UTC)
    return opening - LOCAL_OFFSET + dt.timedelta(seconds=rng.randrange(300, 7200))


def _response_factor(minutes):
    """Slow first responses lose leads: answering within minutes converts
    several times better than answering the next day."""
    if minutes <= 5:
        return 1.0
    if minutes <= 60:
        return 0.85
    if minutes <= 24 * 60:
        return 0.62
    return 0.38


class _Lead:
    """What the walk needs to know about one PNC while moving it."""

    __slots__ = (
        "area",
        "median_response",
        "out_of_state",
        "reason",
        "refusal_kind",
        "reopened",
        "rescheduled",
        "response_minutes",
        "source",
        "waited",
        "waiting_from",
    )

    def __init__(self, source, area, median_response, out_of_state):
        self.source = source
        self.area = area
        self.median_response = median_response
        self.out_of_state = out_of_state
        # Drawn when the contact details arrive; 0 when spoken to on the spot.
        self.response_minutes = None
        self.waited = False
        self.waiting_from = None
        self.rescheduled = False
        self.reopened = False
        self.reason = None
        self.refusal_kind = None


class _Walker:
    """Moves one PNC through the milestones until it closes or time runs out.

    Each ``_from_<role>`` method draws the next move out of that milestone as
    (next role, hours until it happens, whether it happens in office hours),
    or None when the lead stays where it is for good.
    """

    def __init__(self, rng, end):
        self.rng = rng
        self.end = end
        self.now = None  # the time of the milestone being left
        self.moves = {
            AWAITING_INFO: self._from_awaiting_info,
            CONTACT_INFO_RECEIVED: self._from_contact_info_received,
            CONTACT_MADE: self._from_contact_made,
            APPOINTMENT_MADE: self._from_appointment_made,
            INITIAL_CONSULT: self._from_initial_consult,
            RETAINER_SIGNED: self._from_retainer_signed,
            WAITING_ON: self._from_waiting_on,
            LOST: self._from_closed,
            REFUSED: self._from_closed,
            RETAINER_FUNDED: self._from_funded,
        }

    def walk(self, lead, entry, created):
        """The PNC's history; its closing reason is left on ``lead``."""
        history = [(entry, created)]
        role, now = entry, created
        if entry == CONTACT_MADE:
            # Walk-ins and answered calls are spoken to on the spot.
            lead.response_minutes = 0
        while True:
            self.now = now
            move = self.moves[role](lead)
            if move is None:
                break
            next_role, hours, in_office_hours = move
            # Odoo keeps datetimes to the second; no two moves share one.
            when = now + dt.timedelta(seconds=max(60, int(hours * 3600)))
            if in_office_hours:
                when = _office_time(when, self.rng)
            if when >= self.end:
                # Still open at the end of the year: the recent leads.
                break
            history.append((next_role, when))
            role, now = next_role, when
        if role != LOST:
            lead.reason = None
        if role != REFUSED:
            lead.refusal_kind = None
        return tuple(history)

    # Each milestone ------------------------------------------------------

    def _lose(self, lead, reason, low_days, high_days):
        lead.reason = reason
        return LOST, self.rng.uniform(low_days, high_days) * 24, True

    def _wait(self, lead, came_from, low_hours, high_hours):
        # One detour per life of a lead is plenty.
        lead.waited = True
        lead.waiting_from = came_from
        return WAITING_ON, self.rng.uniform(low_hours, high_hours), True

    def _refuse(self, lead, kind, low_days, high_days):
        lead.refusal_kind = kind
        return REFUSED, self.rng.uniform(low_days, high_days) * 24, True

    def _from_awaiting_info(self, lead):
        rng = self.rng
        draw = rng.random()
        if draw < 0.06:
            # They phoned in themselves with the details.
            lead.response_minutes = 0
            return CONTACT_MADE, rng.uniform(2, 72), True
        if draw < 0.68:
            # The client completes the form: any time of day.
            return CONTACT_INFO_RECEIVED, rng.uniform(0.5, 10 * 24), False
        return self._lose(lead, MISSING_DETAILS, 20, 60)

    def _from_contact_info_received(self, lead):
        rng = self.rng
        if lead.response_minutes is None:
            # Details that arrive after hours wait for the office to open.
            first_look = _office_time(self.now, rng)
            waited = (first_look - self.now).total_seconds() / 60
            typical = math.log(lead.median_response)
            lead.response_minutes = int(waited + rng.lognormvariate(typical, 1.0))
        reach = lead.source.reach * _response_factor(lead.response_minutes)
        if rng.random() >= reach:
            # The commonest death in legal intake: nobody ever connects.
            if rng.random() < 0.05:
                return self._refuse(lead, "other", 1, 10)
            return self._lose(lead, NEVER_ANSWERED, 10, 40)
        # First contact at the first response, or after a few more tries.
        hours = lead.response_minutes / 60
        if rng.random() < 0.4:
            hours += rng.uniform(4, 96)
        if rng.random() < 0.09:
            # Booked a consult straight from the online scheduler.
            return APPOINTMENT_MADE, hours, True
        return CONTACT_MADE, hours, True

    def _from_contact_made(self, lead):
        rng = self.rng
        source, area = lead.source, lead.area
        if lead.rescheduled:
            # Back here only to find a new date for the appointment.
            lead.rescheduled = False
            return APPOINTMENT_MADE, rng.uniform(4, 120), True
        refusal = source.refusal + area.extra_refusal
        if lead.out_of_state:
            refusal += 0.35
        dropout = source.dropout
        if (lead.response_minutes or 0) > 24 * 60:
            dropout += 0.08
        draw = rng.random()
        if draw < refusal:
            # Screening: conflict check, jurisdiction, case type.
            kind = "service_area" if lead.out_of_state else _screening_kind(rng)
            return self._refuse(lead, kind, 0.1, 7)
        draw -= refusal
        if draw < dropout:
            reason = STOPPED_RESPONDING if rng.random() < 0.6 else HIRED_ELSEWHERE
            return self._lose(lead, reason, 7, 35)
        draw -= dropout
        if draw < 0.03 and not lead.waited:
            # The client is not in a hurry yet.
            return self._wait(lead, CONTACT_MADE, 2, 72)
        if draw < 0.07:
            # Consult held on the first call.
            return INITIAL_CONSULT, rng.uniform(1, 48), True
        return APPOINTMENT_MADE, rng.lognormvariate(math.log(30), 0.9), True

    def _from_appointment_made(self, lead):
        rng = self.rng
        draw = rng.random()
        if draw < 0.05:
            return self._lose(lead, NO_SHOW, 3, 14)
        if draw < 0.11 and not lead.rescheduled:
            # Rescheduled: back to Contact Made until a new date is set.
            lead.rescheduled = True
            return CONTACT_MADE, rng.uniform(24, 10 * 24), True
        lead.rescheduled = False
        return INITIAL_CONSULT, rng.uniform(1, 14) * 24, True

    def _from_initial_consult(self, lead):
        rng = self.rng
        signing = min(0.93, lead.area.signing * lead.source.closing)
        draw = rng.random()
        if draw < signing:
            if rng.random() < 0.09:
                # Signed and paid at the consult.
                return RETAINER_FUNDED, rng.uniform(1, 6), True
            return RETAINER_SIGNED, rng.lognormvariate(math.log(120), 1.0), True
        if rng.random() < 0.06 and not lead.waited:
            # A mandatory waiting period, or the client thinks it over.
            return self._wait(lead, INITIAL_CONSULT, 4, 72)
        if rng.random() < 0.12:
            # After hearing the facts the firm declines the case.
            return self._refuse(lead, rng.choice(("case_type", "other")), 1, 10)
        reason = rng.choice((TOO_EXPENSIVE, HIRED_ELSEWHERE, NOT_PROCEEDING))
        # Staff chase a quiet client for a few weeks before closing the file.
        return self._lose(lead, reason, 10, 45)

    def _from_retainer_signed(self, lead):
        rng = self.rng
        if not lead.waited and rng.random() < lead.area.waiting:
            # Waiting for funds, a waiting period or the client's go-ahead.
            return self._wait(lead, RETAINER_SIGNED, 24, 10 * 24)
        if rng.random() < 0.93:
            return RETAINER_FUNDED, rng.lognormvariate(math.log(8 * 24), 0.8), False
        return self._lose(lead, FUNDS_NEVER_CAME, 14, 40)

    def _from_waiting_on(self, lead):
        rng = self.rng
        if rng.random() < 0.22:
            return self._lose(lead, NOT_PROCEEDING, 20, 75)
        # Waits last weeks: funds, a statutory period, the client's timing.
        hours = rng.uniform(7, 70) * 24
        came_from = lead.waiting_from
        if came_from == RETAINER_SIGNED:
            return RETAINER_FUNDED, hours, False
        # Mostly on to the next milestone, sometimes back where it was.
        if rng.random() < 0.3:
            return came_from, hours, True
        return MAIN_PATH[MAIN_PATH.index(came_from) + 1], hours, True

    def _from_closed(self, lead):
        rng = self.rng
        if lead.reopened or rng.random() >= 0.025:
            return None
        # The client comes back months later.
        lead.reopened = True
        # Its closing reason stays until it closes again: the reopening may
        # fall after the end of the year.
        lead.waited = lead.rescheduled = False
        return CONTACT_MADE, rng.uniform(20, 120) * 24, True

    def _from_funded(self, lead):
        return None


def _screening_kind(rng):
    draw = rng.random()
    if draw < 0.25:
        return "conflict"
    if draw < 0.35:
        return "service_area"
    if draw < 0.9:
        return "case_type"
    return "other"


# ---------------------------------------------------------------------------
# Loading into Odoo
# ---------------------------------------------------------------------------
# pylint: disable=print-used,invalid-commit
# A loading script run by hand: it reports on stdout and commits between
# batches so that a hundred thousand leads do not sit in one transaction.

LOAD_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "no_reset_password": True,
}
TEAM_NAME = "Intake"
# The refusal reasons the addon ships are found by kind; "other" has none.
OTHER_REFUSAL_NAME = "Not a matter for the firm"
# Who arrived with someone to talk to rather than through a form.
IN_PERSON_SOURCES = ("phone", "walk_in", "referral")
LOG_COLUMNS = (
    "lead_id, from_stage_id, to_stage_id, from_role, to_role, date, user_id,"
    " duration_days, company_id, team_id, salesperson_id, move_kind,"
    " create_uid, create_date, write_uid, write_date"
)


def waiting_reason(pnc):
    """Why a PNC now in Waiting On waits, from where it came: a signed
    retainer waits for its funds, a divorce for the mandatory waiting
    period, anything else for the client."""
    came_from = [role for role in pnc.roles if role != WAITING_ON][-1]
    if came_from == RETAINER_SIGNED:
        return "funds"
    if pnc.practice_area == "family":
        return "waiting_period"
    return "client_not_ready"


def _batches(items, size):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _naive(when):
    """Odoo stores UTC datetimes without a zone."""
    return when.replace(tzinfo=None) if when is not None else None


class OdooLoader:
    """Writes a SampleFirm into an Odoo database with the addon installed."""

    def __init__(self, env, firm):
        self.env = env(context={**env.context, **LOAD_CONTEXT})
        self.firm = firm
        self.company = self.env.company
        self.admin = self.env.ref("base.user_admin")
        self.us = self.env.ref("base.us")

    # Reference records ----------------------------------------------------

    def prepare(self):
        env = self.env
        if "milestone_role" not in env["crm.stage"]._fields:
            raise SystemExit(
                "crm_law_milestones is not installed on this database "
                "(crm.stage has no milestone_role)."
            )
        self.stage_ids = {}
        for role in ROLES:
            stage = env["crm.stage"].search([("milestone_role", "=", role)], limit=1)
            if not stage:
                raise SystemExit(f"No stage plays the milestone {role!r}.")
            self.stage_ids[role] = stage.id
        self.user_ids = self._salespeople()
        self.team = self._team()
        self.source_ids = self._by_name(
            "utm.source", {source.key: source.name for source in self.firm.sources}
        )
        self.tag_ids = self._by_name(
            "crm.tag", {area.key: area.name for area in self.firm.practice_areas}
        )
        self.lost_reason_ids = self._by_name(
            "crm.lost.reason", {name: name for name in self.firm.lost_reasons}
        )
        self.refusal_reason_ids = self._refusal_reasons()
        states = env["res.country.state"].search([("country_id", "=", self.us.id)])
        self.state_ids = {state.code: state.id for state in states}
        lead_fields = env["crm.lead"]._fields
        self.practice_area_field = None
        area_field = lead_fields.get("practice_area")
        if area_field is not None and area_field.type == "selection":
            # The addon may grow a practice-area field; fill it when it does.
            self.practice_area_field = "practice_area"
        self.has_refusal_reason = "refusal_reason_id" in lead_fields
        self.has_waiting_reason = "waiting_reason" in lead_fields
        # The intake and conflict-check fields, when the addon has them.
        self.has_parties = "party_ids" in lead_fields
        self.practice_area_ids = {}
        if "practice_area_id" in lead_fields:
            self.practice_area_ids = self._by_name(
                "crm.practice.area",
                {area.key: area.name for area in self.firm.practice_areas},
            )
        # Refused for a conflict and planted: checked for real once loaded.
        self.planted_refused_ids = []

    def _salespeople(self):
        users = self.env["res.users"].with_context(active_test=False)
        salesman = self.env.ref("sales_team.group_sale_salesman")
        ids = {}
        for person in self.firm.salespeople:
            # The addon's role for the job, when the addon has roles.
            xmlid = STAFF_GROUPS.get(person.job_title, "")
            group = self.env.ref(xmlid, raise_if_not_found=False) or salesman
            user = users.search([("login", "=", person.login)], limit=1)
            if not user:
                user = users.create(
                    {
                        "name": person.name,
                        "login": person.login,
                        "email": person.login,
                        # A sample database: the password is the login.
                        "password": person.login,
                        "function": person.job_title,
                        "group_ids": [(4, group.id)],
                    }
                )
            ids[person.login] = user.id
        return ids

    def _team(self):
        teams = self.env["crm.team"]
        team = teams.search([("name", "=", TEAM_NAME)], limit=1)
        members = list(self.user_ids.values())
        if not team:
            return teams.create(
                {
                    "name": TEAM_NAME,
                    "use_opportunities": True,
                    "member_ids": [(6, 0, members)],
                }
            )
        team.member_ids = [(4, user_id) for user_id in members]
        return team

    def _by_name(self, model, names_by_key):
        """Ids of ``model`` records named like the values, created if missing."""
        records = self.env[model].with_context(active_test=False)
        found = records.search([("name", "in", list(names_by_key.values()))])
        id_by_name = {record.name: record.id for record in found}
        missing = sorted(set(names_by_key.values()) - set(id_by_name))
        if missing:
            created = records.create([{"name": name} for name in missing])
            id_by_name.update({record.name: record.id for record in created})
        return {key: id_by_name[name] for key, name in names_by_key.items()}

    def _refusal_reasons(self):
        if "crm.refusal.reason" not in self.env:
            return {}
        reasons = self.env["crm.refusal.reason"]
        ids = {}
        for kind in self.firm.refusal_kinds:
            reason = reasons.search(
                [("reason_kind", "=", kind), ("requires_referral", "=", False)],
                limit=1,
            )
            if not reason:
                name = OTHER_REFUSAL_NAME if kind == "other" else kind
                reason = reasons.create({"name": name, "reason_kind": kind})
            ids[kind] = reason.id
        return ids

    # Leads ------------------------------------------------------------------

    def lead_values(self, pnc):
        final_role = pnc.final_role
        values = {
            "name": pnc.title,
            "type": "opportunity",
            "contact_name": pnc.contact_name,
            "partner_name": pnc.company_name or False,
            "email_from": pnc.email or False,
            "phone": pnc.phone or False,
            "city": pnc.city,
            "state_id": self.state_ids.get(pnc.state_code, False),
            "country_id": self.us.id,
            "source_id": self.source_ids[pnc.source],
            "tag_ids": [(6, 0, [self.tag_ids[pnc.practice_area]])],
            "user_id": self.user_ids[pnc.salesperson] if pnc.salesperson else False,
            "team_id": self.team.id,
            "company_id": self.company.id,
            "stage_id": self.stage_ids[final_role],
            "expected_revenue": pnc.expected_fee,
            "description": pnc.description or False,
        }
        if self.practice_area_field:
            values[self.practice_area_field] = pnc.practice_area
        if final_role == LOST and pnc.lost_reason:
            values["lost_reason_id"] = self.lost_reason_ids[pnc.lost_reason]
        if final_role == REFUSED and pnc.refusal_kind and self.has_refusal_reason:
            values["refusal_reason_id"] = self.refusal_reason_ids[pnc.refusal_kind]
        if final_role == WAITING_ON and self.has_waiting_reason:
            values["waiting_reason"] = waiting_reason(pnc)
        if self.practice_area_ids:
            values["practice_area_id"] = self.practice_area_ids[pnc.practice_area]
        if self.has_parties:
            values.update(self._intake_values(pnc))
        return values

    def _intake_values(self, pnc):
        """Parties and conflict status. A lead that got to Appointment Made
        passed its conflict check the day it got there (clear, its parties
        checked then); the others have not been checked yet."""
        screened = next(
            (
                when
                for role, when in pnc.history
                if role in MAIN_PATH and MAIN_PATH.index(role) >= _SCREENED_FROM
            ),
            None,
        )
        checked = _naive(screened - dt.timedelta(days=1)) if screened else False
        return {
            "issue_summary": pnc.description or False,
            "conflict_status": "clear" if screened else "not_run",
            "party_ids": [
                (
                    0,
                    0,
                    {
                        "name": name,
                        "role": role,
                        "sequence": index,
                        "checked_date": checked,
                    },
                )
                for index, (name, role) in enumerate(pnc.parties)
            ],
        }

    def load_batch(self, pncs):
        """Create the leads of ``pncs``, then back-date them and their log."""
        leads = self.env["crm.lead"].create([self.lead_values(pnc) for pnc in pncs])
        self.env.flush_all()
        self.planted_refused_ids.extend(
            lead.id
            for lead, pnc in zip(leads, pncs, strict=True)
            if pnc.planted_conflict and pnc.final_role == REFUSED
        )
        lead_ids = leads.ids
        cr = self.env.cr
        # The addon logged each lead's creation "now"; the generated history
        # replaces that with the year the lead really had.
        cr.execute(
            "DELETE FROM crm_lead_milestone_log WHERE lead_id = ANY(%s)", [lead_ids]
        )
        log_rows, lead_dates = [], []
        now = _naive(dt.datetime.now(UTC))
        for lead_id, pnc in zip(lead_ids, pncs, strict=True):
            log_rows.extend(self._log_rows(lead_id, pnc, now))
            lead_dates.append(self._lead_dates(lead_id, pnc))
        cr.execute_values(
            f"INSERT INTO crm_lead_milestone_log ({LOG_COLUMNS}) VALUES %s",
            log_rows,
            page_size=5000,
        )
        log_model = self.env["crm.lead.milestone.log"]
        if hasattr(log_model, "_refresh_summary"):
            # The rows' stays, the leads' summary of their log and their
            # consult and retainer dates follow the generated history.
            log_model._refresh_summary(lead_ids)
        cr.execute_values(
            """
            UPDATE crm_lead AS lead
               SET create_date = v.created, write_date = v.last_move,
                   date_last_stage_update = v.last_move, date_open = v.opened,
                   date_closed = v.closed, day_open = v.day_open,
                   day_close = v.day_close
              FROM (VALUES %s) AS v(id, created, last_move, opened, closed,
                                    day_open, day_close)
             WHERE lead.id = v.id
            """,
            lead_dates,
            template="(%s, %s::timestamp, %s::timestamp, %s::timestamp,"
            " %s::timestamp, %s::float8, %s::float8)",
            page_size=5000,
        )
        self.env.invalidate_all()
        return len(log_rows)

    def _log_rows(self, lead_id, pnc, now):
        company_id, team_id = self.company.id, self.team.id
        salesperson_id = self.user_ids[pnc.salesperson] if pnc.salesperson else None
        # Moves are made by the lead's salesperson, or by the admin when nobody
        # was assigned; forms and ads enter the pipeline on their own.
        mover_id = salesperson_id or self.admin.id
        creator_id = mover_id if pnc.source in IN_PERSON_SOURCES else self.admin.id
        rows = []
        for from_role, to_role, when, days, kind in move_rows(pnc):
            rows.append(
                (
                    lead_id,
                    self.stage_ids[from_role] if from_role else None,
                    self.stage_ids[to_role],
                    from_role,
                    to_role,
                    _naive(when),
                    creator_id if from_role is None else mover_id,
                    days,
                    company_id,
                    team_id,
                    salesperson_id,
                    kind,
                    self.env.uid,
                    now,
                    self.env.uid,
                    now,
                )
            )
        return rows

    def _lead_dates(self, lead_id, pnc):
        created = pnc.created
        last_move = pnc.history[-1][1]
        closed = (
            last_move if pnc.final_role in (RETAINER_FUNDED, LOST, REFUSED) else None
        )
        # crm stamps the assignment when the lead is created with a salesperson.
        opened = created if pnc.salesperson else None
        day_close = abs((closed - created).days) if closed else None
        return (
            lead_id,
            _naive(created),
            _naive(last_move),
            _naive(opened),
            _naive(closed),
            0.0 if opened else None,
            day_close,
        )

    def check_planted_conflicts(self, limit=50):
        """Run the real conflict check, as the admin, on the latest PNCs
        refused for a planted conflict; returns the runs' results."""
        if not self.has_parties or not self.planted_refused_ids:
            return {}
        admin_env = self.env(user=self.admin.id)
        leads = admin_env["crm.lead"].browse(self.planted_refused_ids[-limit:])
        runs = admin_env["crm.conflict.check"]._run_for_leads(leads)
        results = {}
        for run in runs:
            results[run.result] = results.get(run.result, 0) + 1
        return results

    # Summary ----------------------------------------------------------------

    def summary(self):
        """Leads of the Intake team per milestone role, read back from the
        database, archived (lost, refused) ones included."""
        leads = self.env["crm.lead"].with_context(active_test=False)
        groups = leads._read_group(
            [("team_id", "=", self.team.id), ("type", "=", "opportunity")],
            ["stage_id"],
            ["__count"],
        )
        by_role = dict.fromkeys(ROLES, 0)
        for stage, count in groups:
            role = stage.milestone_role
            if role:
                by_role[role] += count
        return by_role


def load_firm(firm, database, addons_path, batch_size=1000, out=sys.stdout):
    """Open the Odoo registry of ``database`` and load ``firm`` into it."""
    # Only the loader needs Odoo; the generator stays importable without it.
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        ["--addons-path", addons_path, "--database", database, "--log-level", "warn"],
        setup_logging=True,
    )
    started = time.monotonic()
    registry = Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        loader = OdooLoader(env, firm)
        loader.prepare()
        cr.commit()
        done = log_rows = 0
        for batch in _batches(firm.pncs, batch_size):
            log_rows += loader.load_batch(batch)
            cr.commit()
            done += len(batch)
            if len(firm.pncs) > batch_size:
                elapsed = time.monotonic() - started
                print(f"  {done} leads loaded ({elapsed:.0f} s)", file=out, flush=True)
        checks = loader.check_planted_conflicts()
        cr.commit()
        by_role = loader.summary()
    elapsed = time.monotonic() - started
    _print_summary(firm, by_role, log_rows, elapsed, out)
    if checks:
        found = ", ".join(
            f"{count} {result}" for result, count in sorted(checks.items())
        )
        print(f"Conflict checks of PNCs refused for a conflict: {found}", file=out)
    return by_role


def _print_summary(firm, by_role, log_rows, elapsed, out):
    total = len(firm.pncs)
    print(
        f"Loaded {total} leads ({log_rows} milestone moves) for "
        f"{firm.start:%Y-%m-%d} .. {firm.end:%Y-%m-%d} in {elapsed:.1f} s",
        file=out,
    )
    print(
        "Leads of the Intake team by milestone (database, archived included):",
        file=out,
    )
    for role in ROLES:
        print(f"  {role:<24} {by_role[role]:>7}", file=out)
    funded = by_role[RETAINER_FUNDED]
    in_db = sum(by_role.values())
    rate = funded / in_db if in_db else 0.0
    print(f"Funded: {funded} of {in_db} ({rate:.1%})", file=out)


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Load the deterministic sample law firm into an Odoo 19 "
        "database where crm_law_milestones is installed."
    )
    parser.add_argument("--database", "-d", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--leads", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--end",
        type=dt.datetime.fromisoformat,
        help="the moment the sample year ends (ISO, UTC); default: now",
    )
    parser.add_argument("--batch-size", type=int, default=1000)
    return parser.parse_args(argv)


def main(argv=None):
    args = _parse_args(argv)
    end = args.end or dt.datetime.now(UTC).replace(microsecond=0)
    firm = generate(args.leads, args.seed, end)
    load_firm(firm, args.database, args.addons_path, args.batch_size)


if __name__ == "__main__":
    main()
