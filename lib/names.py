"""Names for the conflict check: normalise them, score how alike two are, and
say what a match between two roles means.

Plain Python plus rapidfuzz, so the rules are tested without Odoo and the
sample firm can use them too. The ORM stores ``normalize(name)`` in indexed
columns; PostgreSQL's trigram index finds candidates fast and ``score``
decides, token by token, whether a candidate is really the same name.
"""

import re
import unicodedata

from rapidfuzz.distance import OSA

# ---------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------

PROSPECTIVE_CLIENT = "prospective_client"
ADVERSE_PARTY = "adverse_party"
OPPOSING_COUNSEL = "opposing_counsel"
CO_PARTY = "co_party"
RELATED_PARTY = "related_party"
WITNESS = "witness"

PARTY_ROLES = (
    PROSPECTIVE_CLIENT,
    ADVERSE_PARTY,
    OPPOSING_COUNSEL,
    CO_PARTY,
    RELATED_PARTY,
    WITNESS,
)
PARTY_ROLE_LABELS = {
    PROSPECTIVE_CLIENT: "Prospective Client",
    ADVERSE_PARTY: "Adverse Party",
    OPPOSING_COUNSEL: "Opposing Counsel",
    CO_PARTY: "Co-Party",
    RELATED_PARTY: "Related Party",
    WITNESS: "Witness",
}

# What a matched record is to the firm, besides the party roles: a client (a
# matter that reached Retainer Funded) or just a contact in the address book.
CLIENT = "client"
CONTACT = "contact"
FOUND_ROLE_LABELS = {
    CLIENT: "Client (funded matter)",
    **PARTY_ROLE_LABELS,
    CONTACT: "Contact",
}

# Searched role (the new matter) x found role (the firm's records) that make
# a conflict of interest when the names are the same: the firm would act
# against its own client, or for someone it acted against.
CONFLICTING_ROLES = frozenset(
    {
        (ADVERSE_PARTY, CLIENT),
        (PROSPECTIVE_CLIENT, ADVERSE_PARTY),
    }
)

# ---------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------

# Below this a candidate is not the same name and is not kept.
MATCH_SCORE = 85.0
# From this a match in conflicting roles is a conflict; below it, or in other
# roles, only a potential conflict for an attorney to judge. Same tokens in any
# order, with or without honorifics, suffixes, accents or one middle name,
# score 95 or more; one typo in a long name about 93; one typo in a short
# name, or an initial, about 87.
CONFLICT_SCORE = 92.0
# An initial ("J.") or a short form ("Chris") standing for a whole name.
INITIAL_SIMILARITY = 0.7
SHORT_FORM_SIMILARITY = 0.8
# Two tokens count as the same name at this similarity or more.
TOKEN_SIMILARITY = 0.5
# Each name in the longer form with nothing opposite it (a middle name).
EXTRA_TOKEN_PENALTY = 5.0
# A word of the shorter name with nothing alike opposite it ("John A. Smith"
# v "John B. Smith") means other people: the score stays this far below a
# match whatever the other words say.
UNPAIRED_MARGIN = 10.0
# A one-word name against a longer one ("Smith" v "John Smith") is weak
# evidence: it never reaches a match on its own.
SINGLE_TOKEN_FACTOR = 0.6

# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------

# Letters that Unicode decomposition leaves alone.
_FOLD = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "\u0131": "i",  # dotless i
    }
)
# Straight and curly apostrophes, backtick, acute accent.
_APOSTROPHES = re.compile("['\u2019\u2018`\u00b4]")
_AMPERSAND = re.compile(r"\s*&\s*|\+")
_NOT_WORD = re.compile(r"[^\w]+")
_UNDERSCORE = re.compile(r"_+")

HONORIFICS = frozenset(
    """
    mr mrs ms miss mx dr doctor prof professor sir dame lord lady rev reverend
    fr hon honorable judge justice atty mme mlle herr frau sra srta
    """.split()
)
POST_NOMINALS = frozenset(
    "jr sr ii iii iv esq esquire phd md dds cpa jd llm mba ret".split()
)
COMPANY_SUFFIXES = frozenset(
    """
    inc incorporated corp corporation co company cos llc lc llp lllp lp ltd
    limited plc pllc pc pa gmbh ag sa sas sarl srl spa bv nv pty pvt oy ab
    """.split()
)
# Two-word endings of firm names: "Smith & Sons", "Jones and Co".
COMPANY_ENDINGS = frozenset(
    {
        ("and", "sons"),
        ("and", "son"),
        ("and", "co"),
        ("and", "company"),
        ("and", "associates"),
    }
)
_DROPPABLE = HONORIFICS | POST_NOMINALS | COMPANY_SUFFIXES


def _fold(text):
    """Lower-case, without accents: 'Zoë Łukasz-Müller' -> 'zoe lukasz-muller'."""
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return plain.casefold().translate(_FOLD)


def _words(text):
    """Words of a folded text: apostrophes join ('O'Donnell' is one word),
    any other punctuation separates, '&' reads 'and'."""
    text = _APOSTROPHES.sub("", text)
    text = _AMPERSAND.sub(" and ", text)
    text = _UNDERSCORE.sub(" ", _NOT_WORD.sub(" ", text))
    return text.split()


def _strip_ending(tokens):
    """Drop post-nominals and company suffixes from the end, keeping a word.

    Dotted abbreviations arrive letter by letter ("L.L.C." is l, l, c), so a
    run of single letters at the end is read as one company suffix too.
    """
    tokens = list(tokens)
    while len(tokens) > 1:
        if tuple(tokens[-2:]) in COMPANY_ENDINGS and len(tokens) > 2:
            del tokens[-2:]
            continue
        if tokens[-1] in POST_NOMINALS or tokens[-1] in COMPANY_SUFFIXES:
            del tokens[-1]
            continue
        letters = 0
        while letters < len(tokens) - 1 and len(tokens[-1 - letters]) == 1:
            letters += 1
        stripped = False
        for size in range(min(letters, 4), 1, -1):
            # Only firms spell their suffix with dots: "J.R." is initials.
            if "".join(tokens[-size:]) in COMPANY_SUFFIXES:
                del tokens[-size:]
                stripped = True
                break
        if not stripped:
            break
    return tokens


def _strip_start(tokens):
    """Drop honorifics (and a leading 'the'), keeping a word."""
    tokens = list(tokens)
    while len(tokens) > 1 and (tokens[0] in HONORIFICS or tokens[0] == "the"):
        del tokens[0]
    return tokens


def normalize(name):
    """The comparable form of a person's or company's name.

    Lower-case ASCII where the script allows, no accents or punctuation,
    single spaces, no honorifics ("Dr."), post-nominals ("Jr.", "Esq.") or
    company suffixes ("Inc", "LLC", "Ltd", "Corp", "& Sons"), and "Last,
    First" put back in reading order. Empty when nothing is left.

    >>> normalize("  Smith,  Dr. John A. ")
    'john a smith'
    """
    if not name:
        return ""
    parts = [_words(part) for part in _fold(name).split(",")]
    # A part that is only suffixes ("Acme, Inc.", "Smith, John, Jr.") belongs
    # to the name before it; what remains of a "Last, First" is two parts.
    parts = [part for part in parts if part]
    kept = [parts[0]] if parts else []
    for part in parts[1:]:
        if _strip_ending(["_", *part]) == ["_"]:
            kept[-1] = kept[-1] + part
        else:
            kept.append(part)
    kept = [_strip_start(_strip_ending(part)) for part in kept]
    if len(kept) == 2:
        kept.reverse()
    words = _strip_start(_strip_ending([word for part in kept for word in part]))
    return " ".join(words)


def tokens(normalized):
    """The words of an already normalised name."""
    return normalized.split()


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------


def _token_similarity(first, second):
    """How alike two words of a name are, 0..1.

    The same word, an initial of it, a short form of it ("Chris" and
    "Christopher") or the word with typos: rapidfuzz's optimal string
    alignment counts a swap of two letters ("Jonh") as one edit.
    """
    if first == second:
        return 1.0
    if len(first) == 1 or len(second) == 1:
        return INITIAL_SIMILARITY if first[0] == second[0] else 0.0
    similarity = OSA.normalized_similarity(first, second, score_cutoff=TOKEN_SIMILARITY)
    if similarity:
        # Very short words differ entirely with one letter: "Li" v "Lu".
        if max(len(first), len(second)) <= 3:
            return 0.0
        return similarity
    shorter, longer = sorted((first, second), key=len)
    if len(shorter) >= 3 and longer.startswith(shorter):
        return SHORT_FORM_SIMILARITY
    return 0.0


def score(first, second):
    """How likely two normalised names are the same, 0..100.

    Symmetric: names of as many words are scored both ways, the lower wins.
    """
    first_tokens, second_tokens = tokens(first), tokens(second)
    if not first_tokens or not second_tokens:
        return 0.0
    if len(first_tokens) > len(second_tokens):
        first_tokens, second_tokens = second_tokens, first_tokens
    result = _directed_score(first_tokens, second_tokens)
    if len(first_tokens) == len(second_tokens):
        result = min(result, _directed_score(second_tokens, first_tokens))
    return result


def _directed_score(first_tokens, second_tokens):
    """Score of the words of a name against those of a name at least as long.

    Words are paired in any order, best pairs first; each pair weighs the
    length of its longer word. Every word of the shorter name has to find a
    partner, and at least one pair has to be a whole word rather than an
    initial, or the names differ ("John Smith" v "Jane Smith" pairs only
    Smith). Unpaired words of the longer name cost a little each.
    """
    pairs = sorted(
        (
            (_token_similarity(short, long), i, j)
            for i, short in enumerate(first_tokens)
            for j, long in enumerate(second_tokens)
        ),
        reverse=True,
    )
    paired_short, paired_long = {}, set()
    for similarity, i, j in pairs:
        if similarity < TOKEN_SIMILARITY:
            break
        if i in paired_short or j in paired_long:
            continue
        paired_short[i] = (similarity, j)
        paired_long.add(j)
    whole_words = [
        i
        for i, (_similarity, j) in paired_short.items()
        if len(first_tokens[i]) > 1 and len(second_tokens[j]) > 1
    ]
    if not whole_words:
        return 0.0

    weighted = total = 0.0
    for i, short in enumerate(first_tokens):
        if i in paired_short:
            similarity, j = paired_short[i]
            weight = max(len(short), len(second_tokens[j]))
            weighted += similarity * weight
        else:
            weight = len(short)
        total += weight
    result = 100.0 * weighted / total
    result -= EXTRA_TOKEN_PENALTY * (len(second_tokens) - len(paired_long))
    if len(first_tokens) == 1 and len(second_tokens) > 1:
        result *= SINGLE_TOKEN_FACTOR
    if len(paired_short) < len(first_tokens):
        result = min(result, MATCH_SCORE - UNPAIRED_MARGIN)
    return max(0.0, round(result, 1))


def hit_kind(searched_role, found_role, name_score):
    """What a match means: 'conflict', 'potential', or None when it is no match.

    A conflict needs both the same name (``CONFLICT_SCORE``) and roles that
    collide (``CONFLICTING_ROLES``); any other match is potential.
    """
    if name_score < MATCH_SCORE:
        return None
    if (
        name_score >= CONFLICT_SCORE
        and (searched_role, found_role) in CONFLICTING_ROLES
    ):
        return "conflict"
    return "potential"


def run_result(kinds):
    """A run's result from the kinds of its hits: the worst one wins."""
    kinds = set(kinds)
    if "conflict" in kinds:
        return "conflict"
    if "potential" in kinds:
        return "potential"
    return "clear"
