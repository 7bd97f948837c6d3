"""The ten intake milestones and how a move between two of them is classified.

Everything here is plain Python: the ORM code, the reports and the sample firm
generator all read the milestones from this one place.
"""

AWAITING_INFO = "awaiting_info"
CONTACT_INFO_RECEIVED = "contact_info_received"
CONTACT_MADE = "contact_made"
APPOINTMENT_MADE = "appointment_made"
INITIAL_CONSULT = "initial_consult"
RETAINER_SIGNED = "retainer_signed"
RETAINER_FUNDED = "retainer_funded"
LOST = "lost"
REFUSED = "refused"
WAITING_ON = "waiting_on"

# The main path, in order: a lead normally walks it from left to right.
MAIN_PATH = (
    AWAITING_INFO,
    CONTACT_INFO_RECEIVED,
    CONTACT_MADE,
    APPOINTMENT_MADE,
    INITIAL_CONSULT,
    RETAINER_SIGNED,
    RETAINER_FUNDED,
)
CLOSED_ROLES = (LOST, REFUSED)
ROLES = (*MAIN_PATH, *CLOSED_ROLES, WAITING_ON)

# Open milestones: the lead is still being worked.
OPEN_ROLES = (*MAIN_PATH[:-1], WAITING_ON)

ROLE_LABELS = {
    AWAITING_INFO: "Awaiting Info",
    CONTACT_INFO_RECEIVED: "Contact Info Received",
    CONTACT_MADE: "Contact Made",
    APPOINTMENT_MADE: "Appointment Made",
    INITIAL_CONSULT: "Initial Consult",
    RETAINER_SIGNED: "Retainer Signed",
    RETAINER_FUNDED: "Retainer Funded",
    LOST: "Lost",
    REFUSED: "Refused",
    WAITING_ON: "Waiting On",
}

# Kinds of move recorded in the transition log.
MOVE_ENTRY = "entry"
MOVE_NEXT = "next"
MOVE_SKIP = "skip"
MOVE_BACK = "back"
MOVE_LOST = "lost"
MOVE_REFUSED = "refused"
MOVE_WAITING = "waiting"
MOVE_RESUME = "resume"
MOVE_REOPEN = "reopen"
MOVE_OTHER = "other"

MOVE_LABELS = {
    MOVE_ENTRY: "Entry",
    MOVE_NEXT: "Next milestone",
    MOVE_SKIP: "Skip ahead",
    MOVE_BACK: "Step back",
    MOVE_LOST: "To Lost",
    MOVE_REFUSED: "To Refused",
    MOVE_WAITING: "To Waiting On",
    MOVE_RESUME: "Out of waiting",
    MOVE_REOPEN: "Reopened",
    MOVE_OTHER: "Other (stage without a milestone)",
}


def classify_move(from_role, to_role):
    """Return the kind of a move from one milestone role to another.

    ``None`` for ``from_role`` means the lead was just created. A role of
    ``False``/``None`` on either side of a real move means the stage plays no
    milestone, which the log records as ``other``.
    """
    if from_role is None:
        return MOVE_ENTRY
    if not from_role or not to_role or from_role == to_role:
        return MOVE_OTHER
    if to_role == LOST:
        return MOVE_LOST
    if to_role == REFUSED:
        return MOVE_REFUSED
    if from_role in CLOSED_ROLES:
        return MOVE_REOPEN
    if to_role == WAITING_ON:
        return MOVE_WAITING
    if from_role == WAITING_ON:
        return MOVE_RESUME
    step = MAIN_PATH.index(to_role) - MAIN_PATH.index(from_role)
    if step == 1:
        return MOVE_NEXT
    if step > 1:
        return MOVE_SKIP
    return MOVE_BACK


def main_path_reached(roles):
    """Main-path milestones a lead reached, given the roles it passed through.

    A lead that skipped ahead counts as having reached the milestones it
    passed over, so the answer is every main-path milestone up to the
    furthest one seen.
    """
    furthest = -1
    for role in roles:
        if role in MAIN_PATH:
            furthest = max(furthest, MAIN_PATH.index(role))
    return MAIN_PATH[: furthest + 1]


def confidence_rank(role):
    """How close a milestone is to a funded retainer, for ranking leads.

    Lost and Refused rank lowest, then Waiting On (paused, from wherever it
    was), then the main path in order.
    """
    if role in CLOSED_ROLES:
        return -2
    if role == WAITING_ON:
        return -1
    return MAIN_PATH.index(role)


# Why a lead waits, asked when it enters Waiting On.
WAITING_REASONS = {
    "funds": "Funds",
    "waiting_period": "Mandatory waiting period",
    "client_not_ready": "Client not ready",
    "other": "Other",
}

# Roles only one stage of a team may play: Odoo's won stage must be the one
# funded retainer, or "won" lands in whichever comes first.
UNIQUE_ROLES = (RETAINER_FUNDED,)


def stage_role_problems(stages):
    """What is wrong with one team's stages, as (kind, role, stage names).

    ``stages`` are (stage name, role) pairs of the stages a team can use.
    ``missing``: no stage plays the role; ``duplicate``: several stages play
    a role that must be unique.
    """
    by_role = {role: [] for role in ROLES}
    for name, role in stages:
        if role in by_role:
            by_role[role].append(name)
    problems = []
    for role in ROLES:
        if not by_role[role]:
            problems.append(("missing", role, ()))
        elif role in UNIQUE_ROLES and len(by_role[role]) > 1:
            problems.append(("duplicate", role, tuple(by_role[role])))
    return problems


def reached_dates(moves):
    """When a lead reached each milestone, from its (date, to role) moves.

    A main-path milestone is reached by entering it or any milestone after it
    (a skip reaches the milestones passed over, as in ``main_path_reached``),
    so its date is the earliest of those entries. Lost, Refused and Waiting On
    are reached by entering them. Milestones never reached are left out.
    """
    first = {}
    for date, role in moves:
        if role and (role not in first or date < first[role]):
            first[role] = date
    reached = {
        role: first[role] for role in (*CLOSED_ROLES, WAITING_ON) if role in first
    }
    earliest = None
    for role in reversed(MAIN_PATH):
        if role in first and (earliest is None or first[role] < earliest):
            earliest = first[role]
        if earliest is not None:
            reached[role] = earliest
    return reached
