"""Plain arithmetic behind the milestone reports: funnel ratios, medians, the
funded-retainer forecast and the flow diagram's nodes and links.

No Odoo here: the report models gather counts with SQL and hand them to these
functions, and tests/pure/test_flow.py checks them with numbers worked out by
hand.
"""

import math

try:
    from . import milestones
except ImportError:  # imported on its own by the plain tests (lib/ on sys.path)
    import milestones

# Forecast horizons, in days from today.
HORIZONS = (30, 60, 90)


# ---------------------------------------------------------------------------
# Funnel
# ---------------------------------------------------------------------------


def funnel(reached):
    """Funnel steps from ``{milestone: leads that reached it}``.

    Returns one dict per main-path milestone, in path order: ``count``,
    ``previous`` (leads that reached the milestone before it; the top's own
    count for the first one), ``dropped`` (reached the previous milestone but
    not this one), ``from_previous`` and ``from_top`` (percentages, ``None``
    when there is nothing to divide by).
    """
    steps = []
    top = reached.get(milestones.MAIN_PATH[0], 0)
    previous = top
    for role in milestones.MAIN_PATH:
        count = reached.get(role, 0)
        steps.append(
            {
                "milestone": role,
                "count": count,
                "previous": previous,
                "dropped": previous - count,
                "from_previous": percent(count, previous),
                "from_top": percent(count, top),
            }
        )
        previous = count
    return steps


def percent(part, whole):
    """``part`` as a percentage of ``whole``, ``None`` when ``whole`` is 0."""
    return 100.0 * part / whole if whole else None


def median(values):
    """Median of ``values`` (the mean of the two middle ones for an even
    count), ``None`` for no values. Matches PostgreSQL's percentile_cont(0.5).
    """
    ordered = sorted(values)
    size = len(ordered)
    if not size:
        return None
    middle = size // 2
    if size % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2.0


# ---------------------------------------------------------------------------
# Forecast
# ---------------------------------------------------------------------------


def cumulative_shares(day_counts):
    """Cumulative distribution of whole-day durations.

    ``day_counts`` maps a whole number of days (the duration rounded down) to
    how many funded leads took that long. Returns ``shares`` where
    ``shares[d]`` is the share of those leads funded within ``d`` days and a
    bit (duration < d + 1); the list ends at the longest duration, where the
    share is 1.
    """
    total = sum(day_counts.values())
    if not total:
        return []
    longest = max(day_counts)
    shares, running = [], 0
    for day in range(longest + 1):
        running += day_counts.get(day, 0)
        shares.append(running / total)
    return shares


def median_days(day_counts):
    """Median whole-day duration of a ``{days: leads}`` histogram."""
    values = []
    for day, count in day_counts.items():
        values.extend([day] * count)
    return median(values)


def funding_probability(rate, shares, age_days, horizon_days):
    """Chance that an open lead is funded within the next ``horizon_days``.

    ``rate`` is the share of the milestone's resolved leads that were funded,
    ``shares`` the cumulative share of funded leads by whole days since they
    entered the milestone (see ``cumulative_shares``) and ``age_days`` how
    long the lead has sat in the milestone. With T the time from entering the
    milestone to funding (infinite when never funded), P(T <= t) = rate *
    F(t), and the lead has not been funded after ``age_days``, so::

        P(age < T <= age + horizon | T > age)
            = rate * (F(age + horizon) - F(age)) / (1 - rate * F(age))
    """
    if not shares or rate <= 0:
        return 0.0

    def share(day):
        return shares[min(day, len(shares) - 1)] if day >= 0 else 0.0

    age = max(math.floor(age_days), 0)
    before = rate * share(age)
    if before >= 1:
        return 0.0
    gained = rate * (share(age + horizon_days) - share(age))
    return max(gained, 0.0) / (1 - before)


def forecast_table(history, horizons=HORIZONS):
    """Per open milestone: funding rate, usual time and probabilities by age.

    ``history`` maps a milestone to ``(resolved, funded, day_counts)``: leads
    that were in it and are now closed (funded, lost or refused), how many of
    them were funded, and the histogram of whole days from their last entry
    into the milestone to funding. Returns ``{milestone: {"rate": %,
    "median_days": days or None, "probabilities": {horizon: [p at age 0, p at
    age 1, ...]}}}``; the lists stop at the longest funding time seen (older
    leads get 0, as no funded lead ever took that long).
    """
    table = {}
    for role, (resolved, funded, day_counts) in history.items():
        rate = funded / resolved if resolved else 0.0
        shares = cumulative_shares(day_counts)
        table[role] = {
            "rate": 100.0 * rate,
            "median_days": median_days(day_counts),
            "probabilities": {
                horizon: [
                    funding_probability(rate, shares, age, horizon)
                    for age in range(len(shares))
                ]
                for horizon in horizons
            },
        }
    return table


def expected_funded(table, open_leads, horizons=HORIZONS):
    """Expected funded retainers and fees per milestone and horizon.

    ``open_leads`` holds (milestone, days in it, expected fee) triples. A lead
    in a milestone without history counts for nothing. Returns
    ``{milestone: {horizon: (retainers, fees)}}``.
    """
    result = {}
    for role, age, fee in open_leads:
        row = table.get(role)
        by_horizon = result.setdefault(role, dict.fromkeys(horizons, (0.0, 0.0)))
        for horizon in horizons:
            chance = 0.0
            if row:
                probabilities = row["probabilities"][horizon]
                day = max(math.floor(age), 0)
                chance = probabilities[day] if day < len(probabilities) else 0.0
            retainers, fees = by_horizon[horizon]
            by_horizon[horizon] = (retainers + chance, fees + chance * (fee or 0.0))
    return result


# ---------------------------------------------------------------------------
# Flow diagram
# ---------------------------------------------------------------------------

# Where a lead's flow ends when it is closed or parked.
OUTCOME_NODES = (milestones.LOST, milestones.REFUSED, milestones.WAITING_ON)


def progression(roles):
    """The forward steps of one lead's history, for the flow diagram.

    ``roles`` are the milestones the lead entered, oldest first, the last
    being where it is now. Only moves to a main-path milestone further than
    any before count (a step back or a detour through Waiting On is not
    progress), so the diagram has no loops; a lead that now sits in Lost,
    Refused or Waiting On then flows from the furthest milestone it reached
    into that one. Returns (from, to) pairs.
    """
    steps = []
    furthest = -1
    for role in roles:
        if role in milestones.MAIN_PATH:
            index = milestones.MAIN_PATH.index(role)
            if index > furthest:
                if furthest >= 0:
                    steps.append((milestones.MAIN_PATH[furthest], role))
                furthest = index
    if roles and roles[-1] in OUTCOME_NODES and furthest >= 0:
        steps.append((milestones.MAIN_PATH[furthest], roles[-1]))
    return steps


def sankey(links, labels=None):
    """Nodes and links for a Sankey diagram from ``{(from, to): leads}``.

    Nodes come in milestone order (the main path, then Waiting On, Lost,
    Refused) with the number of leads through them: the larger of what flows
    in and what flows out, so a milestone where leads start shows its
    starters. Links with no leads are left out; ``labels`` maps a milestone to
    the name to show (the role's label by default).
    """
    labels = labels or milestones.ROLE_LABELS
    order = {role: index for index, role in enumerate(milestones.ROLES)}
    flows = [
        (source, target, count) for (source, target), count in links.items() if count
    ]
    flows.sort(key=lambda flow: (order[flow[0]], order[flow[1]]))
    inflow, outflow = {}, {}
    for source, target, count in flows:
        outflow[source] = outflow.get(source, 0) + count
        inflow[target] = inflow.get(target, 0) + count
    used = sorted(set(inflow) | set(outflow), key=order.get)
    nodes = [
        {
            "key": role,
            "label": labels.get(role, role),
            "leads": max(inflow.get(role, 0), outflow.get(role, 0)),
            "column": _sankey_column(role),
        }
        for role in used
    ]
    return {
        "nodes": nodes,
        "links": [
            {"from": source, "to": target, "leads": count}
            for source, target, count in flows
        ],
    }


def _sankey_column(role):
    """Left-to-right position: the main path in order, outcomes last."""
    if role in milestones.MAIN_PATH:
        return milestones.MAIN_PATH.index(role)
    return len(milestones.MAIN_PATH)
