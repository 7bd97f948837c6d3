import pytest
from names import (
    ADVERSE_PARTY,
    CLIENT,
    CO_PARTY,
    CONFLICT_SCORE,
    CONTACT,
    MATCH_SCORE,
    OPPOSING_COUNSEL,
    PROSPECTIVE_CLIENT,
    hit_kind,
    normalize,
    run_result,
    score,
)

# Normalisation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("John Smith", "john smith"),
        ("  JOHN   SMITH  ", "john smith"),
        ("Smith, John", "john smith"),
        ("Smith,John A.", "john a smith"),
        ("Dr. John Smith", "john smith"),
        ("Mrs Jane Smith-Jones", "jane smith jones"),
        ("Prof. Dr. Hana Takahashi", "hana takahashi"),
        ("John Smith Jr.", "john smith"),
        ("Smith, John, Jr.", "john smith"),
        ("John Smith, Esq.", "john smith"),
        ("John Smith III", "john smith"),
        ("Zoë Muñoz", "zoe munoz"),
        ("Łukasz Dąbrowski", "lukasz dabrowski"),
        ("Søren Østergaard", "soren ostergaard"),
        ("Björn Schäfer", "bjorn schafer"),
        ("Trương Mei", "truong mei"),
        ("Straße GmbH", "strasse"),
        ("Siobhán O'Donnell", "siobhan odonnell"),
        ("Siobhán O\u2019Donnell", "siobhan odonnell"),
        ("Acme Roofing, Inc.", "acme roofing"),
        ("ACME ROOFING LLC", "acme roofing"),
        ("Acme Roofing L.L.C.", "acme roofing"),
        ("Acme Roofing Corp", "acme roofing"),
        ("Acme Roofing Ltd.", "acme roofing"),
        ("The Acme Roofing Company", "acme roofing"),
        ("Galloway & Sons Ltd", "galloway"),
        ("Galloway and Sons", "galloway"),
        ("Jones, P.C.", "jones"),
        ("J. R. Tolkien", "j r tolkien"),
        ("Tolkien, J.R.", "j r tolkien"),
        # A lone suffix or honorific is all there is: keep it.
        ("LLC", "llc"),
        ("Dr.", "dr"),
        ("", ""),
        (None, ""),
        ("  ,  ", ""),
        ("Иван Петров", "иван петров"),
    ],
)
def test_normalize(raw, normalized):
    assert normalize(raw) == normalized


def test_normalize_is_idempotent():
    for raw in ("Smith, Dr. John A., Jr.", "Acme Roofing, L.L.C.", "Zoë Muñoz"):
        once = normalize(raw)
        assert normalize(once) == once


# Matching ------------------------------------------------------------------

# Pairs that name the same person or company, each with why.
SAME = [
    ("John Smith", "john smith", "case"),
    ("John Smith", "Smith, John", "last, first"),
    ("John Smith", "Smith John", "order"),
    ("John Smith", "Dr. John Smith", "honorific"),
    ("John Smith", "John Smith Jr.", "post-nominal"),
    ("Zoë Muñoz", "Zoe Munoz", "accents"),
    ("Siobhán O'Donnell", "Siobhan ODonnell", "apostrophe"),
    ("Callum Reyes-Whitfield", "Callum Reyes Whitfield", "hyphen"),
    ("Acme Roofing Inc", "ACME ROOFING, LLC", "company suffix"),
    ("Galloway Print & Sons", "Galloway Print", "& Sons"),
    ("John Smith", "Jonh Smith", "transposition"),
    ("John Smith", "Jon Smith", "missing letter"),
    ("Katherine Hollingsworth", "Katherine Hollingswroth", "typo, long name"),
    ("Katherine Hollingsworth", "Catherine Hollingsworth", "K or C"),
    ("Obinna Okafor", "Obina Okafor", "double letter"),
    ("John Smith", "J. Smith", "initial"),
    ("John Smith", "Smith, J.", "initial, last first"),
    ("John Michael Smith", "John Smith", "middle name"),
    ("John Michael Smith", "John M. Smith", "middle initial"),
    ("Christopher Jones", "Chris Jones", "short form"),
    ("José García López", "Jose Garcia", "second surname"),
]

# Pairs that must not match: other people, often with a common surname.
DIFFERENT = [
    ("John Smith", "Jane Smith", "same surname"),
    ("John Smith", "Mark Smith", "same surname"),
    ("Amara Abernathy", "Isaac Abernathy", "same surname"),
    ("John Smith", "John Brown", "same first name"),
    ("John A. Smith", "John B. Smith", "other middle initial"),
    ("John Smith", "Smith", "surname alone"),
    ("Li Wu", "Lu Wu", "short names"),
    ("Bo Li", "Bo Lee", "short names"),
    ("Acme Roofing", "Acme Dental", "other company"),
    ("Acme Roofing", "Acme", "first word of a company"),
    ("J. Smith", "K. Smith", "other initial"),
    ("J. S.", "John Smith", "initials only"),
]


@pytest.mark.parametrize(("first", "second", "why"), SAME)
def test_same_names_match(first, second, why):
    result = score(normalize(first), normalize(second))
    assert result >= MATCH_SCORE, why


@pytest.mark.parametrize(("first", "second", "why"), DIFFERENT)
def test_different_names_do_not_match(first, second, why):
    result = score(normalize(first), normalize(second))
    assert result < MATCH_SCORE, why


@pytest.mark.parametrize(("first", "second", "why"), SAME + DIFFERENT)
def test_score_is_symmetric(first, second, why):
    one, other = normalize(first), normalize(second)
    assert score(one, other) == score(other, one), why


def test_scores_rank_the_evidence():
    def of(first, second):
        return score(normalize(first), normalize(second))

    identical = of("John Smith", "Smith, Dr. John")
    middle_name = of("John Michael Smith", "John Smith")
    long_typo = of("Katherine Hollingsworth", "Katherine Hollingswroth")
    short_typo = of("John Smith", "Jonh Smith")
    initial = of("John Smith", "J. Smith")
    assert identical == 100.0
    assert middle_name == 95.0
    assert CONFLICT_SCORE <= long_typo < identical
    # A typo in a short name and an initial are plausible, not certain.
    assert MATCH_SCORE <= short_typo < CONFLICT_SCORE
    assert MATCH_SCORE <= initial < CONFLICT_SCORE


def test_worked_scores():
    # jonh/john: one swap in four letters, similarity 0.75, weight 4; smith 1.0,
    # weight 5: (3 + 5) / 9.
    assert score("john smith", "jonh smith") == pytest.approx(88.9)
    # j stands for john at 0.7, weight 4: (2.8 + 5) / 9.
    assert score("j smith", "john smith") == pytest.approx(86.7)
    # Both words paired exactly, one middle name left over: 100 - 5.
    assert score("john smith", "john michael smith") == 95.0
    # Only smith pairs: 5 of 9 letters, less 5 for jane left over, and never
    # a match with john unpaired.
    assert score("john smith", "jane smith") == pytest.approx(50.6)
    assert score("", "john smith") == 0.0


# What a match means ----------------------------------------------------------


@pytest.mark.parametrize(
    ("searched", "found", "name_score", "kind"),
    [
        # The new matter's opponent is the firm's client.
        (ADVERSE_PARTY, CLIENT, 100.0, "conflict"),
        # The new client was an opponent in another matter.
        (PROSPECTIVE_CLIENT, ADVERSE_PARTY, 95.0, "conflict"),
        # The same roles with a merely similar name: for an attorney to judge.
        (ADVERSE_PARTY, CLIENT, 88.9, "potential"),
        (PROSPECTIVE_CLIENT, ADVERSE_PARTY, 86.7, "potential"),
        # The same name in roles that do not collide.
        (PROSPECTIVE_CLIENT, CLIENT, 100.0, "potential"),
        (ADVERSE_PARTY, ADVERSE_PARTY, 100.0, "potential"),
        (OPPOSING_COUNSEL, CLIENT, 100.0, "potential"),
        (CO_PARTY, CONTACT, 100.0, "potential"),
        # No match at all.
        (ADVERSE_PARTY, CLIENT, 84.9, None),
        (PROSPECTIVE_CLIENT, ADVERSE_PARTY, 50.6, None),
    ],
)
def test_hit_kind(searched, found, name_score, kind):
    assert hit_kind(searched, found, name_score) == kind


def test_run_result_takes_the_worst_hit():
    assert run_result([]) == "clear"
    assert run_result(["potential", "potential"]) == "potential"
    assert run_result(["potential", "conflict"]) == "conflict"
