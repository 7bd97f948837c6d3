"""Names that must and must not match, through the real search: stored
normalised names, the trigram candidate query and the rapidfuzz score."""

from odoo.tests import tagged

from .test_conflict_common import ConflictCase

# (the firm's client, the new matter's adverse party, why): the same person
# or company written another way.
SAME = [
    ("Harriet Fairweather", "harriet FAIRWEATHER", "case"),
    ("Gideon Lachance", "Lachance, Gideon", "last, first"),
    ("Imogen Wainwright", "Wainwright Imogen", "order"),
    ("Percival Underhill", "Dr. Percival Underhill", "honorific"),
    ("Everett Galloway", "Mr Everett Galloway Jr.", "honorific and suffix"),
    ("Zoë Muñoz", "Zoe Munoz", "accents"),
    ("Søren Østergaard", "Soren Ostergaard", "letters without accents"),
    ("Siobhán O'Donnell", "Siobhan ODonnell", "apostrophe"),
    ("Callum Reyes-Whitfield", "Callum Reyes Whitfield", "hyphen"),
    ("Barrowclough Roofing Inc.", "BARROWCLOUGH ROOFING, LLC", "company suffix"),
    ("Fenwick Print & Sons Ltd", "Fenwick Print", "firm ending"),
    ("Rosalind Hollingsworth", "Rosalind Hollingswroth", "transposed letters"),
    ("Thandiwe Nwachukwu", "Thandiwe Nwachukw", "missing letter"),
    ("Quentin Ravensworth", "Q. Ravensworth", "initial"),
    ("Marguerite Easterbrook", "Easterbrook, M.", "initial, last first"),
    ("Theodora Rasmussen", "Theodora Anne Rasmussen", "middle name"),
]
# Other people: same surname, same first name, other middle initial.
DIFFERENT = [
    ("John Thibodeaux", "Jane Thibodeaux", "same surname"),
    ("Nadia Kowalczyk", "Noémie Kowalczyk", "same surname"),
    ("Wendell Pettersen", "Wendell Castellanos", "same first name"),
    ("Keziah A. Villanueva", "Keziah B. Villanueva", "other middle initial"),
    ("Dunmore Dental LLC", "Dunmore Logistics LLC", "other company"),
    ("Yusuf Corcoran", "Corcoran", "surname alone"),
]


@tagged("post_install", "-at_install")
class TestConflictNames(ConflictCase):
    def _client_and_check(self, pairs):
        """A funded client per pair and one new matter naming every
        adverse party; returns ({pair: client lead}, run)."""
        clients = {
            pair: self._matter("retainer_funded", contact=pair[0]) for pair in pairs
        }
        new = self._matter(
            contact="Prospective Person",
            parties=[(adverse, "adverse_party") for _client, adverse, _why in pairs],
        )
        return clients, self._run(new)

    def test_same_names_are_found(self):
        clients, run = self._client_and_check(SAME)
        for pair, client in clients.items():
            with self.subTest(why=pair[2]):
                hits = self._hits_on(run, client).filtered(
                    lambda hit, pair=pair: hit.searched_name == pair[1]
                )
                self.assertEqual(len(hits), 1)
                self.assertEqual(hits.matched_name, pair[0])
                self.assertEqual(hits.found_role, "client")
                self.assertGreaterEqual(hits.score, 85.0)

    def test_exact_forms_are_conflicts_and_near_forms_potential(self):
        clients, run = self._client_and_check(SAME)
        kinds = {
            pair[2]: self._hits_on(run, client)
            .filtered(lambda hit, pair=pair: hit.searched_name == pair[1])
            .kind
            for pair, client in clients.items()
        }
        for why in (
            "case",
            "last, first",
            "order",
            "honorific",
            "honorific and suffix",
            "accents",
            "letters without accents",
            "apostrophe",
            "hyphen",
            "company suffix",
            "firm ending",
            "transposed letters",
            "missing letter",
            "middle name",
        ):
            self.assertEqual(kinds[why], "conflict", why)
        # An initial could be anyone of that surname: for an attorney to judge.
        self.assertEqual(kinds["initial"], "potential")
        self.assertEqual(kinds["initial, last first"], "potential")

    def test_different_people_are_not_found(self):
        clients, run = self._client_and_check(DIFFERENT)
        for pair, client in clients.items():
            with self.subTest(why=pair[2]):
                self.assertFalse(self._hits_on(run, client))
        self.assertEqual(run.result, "clear")

    def test_john_smith_is_not_jane_smith(self):
        self._matter("retainer_funded", contact="Jane Smith")
        new = self._matter(
            contact="Ada Newcomer", parties=[("John Smith", "adverse_party")]
        )
        run = self._run(new)
        self.assertFalse(run.hit_ids)
        self.assertEqual(new.conflict_status, "clear")

    def test_contacts_are_searched_by_normalised_name(self):
        partner = self.env["res.partner"].create(
            {"name": "Barrowclough Roofing, Inc.", "is_company": True}
        )
        self.assertEqual(partner.name_normalized, "barrowclough roofing")
        new = self._matter(
            contact="Ada Newcomer",
            parties=[("barrowclough roofing llc", "adverse_party")],
        )
        run = self._run(new)
        hit = run.hit_ids.filtered(
            lambda hit: (hit.res_model, hit.res_id) == ("res.partner", partner.id)
        )
        self.assertEqual(hit.source, "contact")
        self.assertEqual(hit.found_role, "contact")
        self.assertEqual(hit.score, 100.0)
        # A contact the firm merely knows is a potential conflict, not one.
        self.assertEqual(hit.kind, "potential")
