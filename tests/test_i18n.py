import io
from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import trans_export

from ..lib import milestones

POT = Path(__file__).resolve().parent.parent / "i18n" / "crm_law_milestones.pot"


def _msgids(po_text):
    return {entry.msgid for entry in polib.pofile(po_text) if entry.msgid}


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def test_template_is_current(self):
        # Translators work from the committed template: it must hold every
        # term the module has now (`tools/clm pot` regenerates it).
        exported = io.BytesIO()
        trans_export(None, ["crm_law_milestones"], exported, "po", self.env)
        missing = _msgids(exported.getvalue().decode()) - _msgids(POT.read_text())
        self.assertFalse(
            missing,
            f"i18n/crm_law_milestones.pot lacks {len(missing)} term(s), e.g. "
            f"{sorted(missing)[:3]}: run `tools/clm pot`.",
        )

    def test_milestones_and_their_meaning_are_translatable(self):
        terms = _msgids(POT.read_text())
        self.assertLessEqual(set(milestones.ROLE_LABELS.values()), terms)
        self.assertIn(
            "We know of this prospective client but have no contact details yet.",
            terms,
        )

        self.env["res.lang"]._activate_lang("fr_FR")
        stage = self.env.ref("crm_law_milestones.crm_stage_awaiting_info")
        stage.with_context(lang="fr_FR").write(
            {
                "name": "En attente d'informations",
                "requirements": "Pas encore de coordonnées.",
            }
        )
        french = stage.with_context(lang="fr_FR")
        english = stage.with_context(lang="en_US")
        self.assertEqual(french.name, "En attente d'informations")
        self.assertEqual(french.requirements, "Pas encore de coordonnées.")
        self.assertEqual(english.name, "Awaiting Info")
        self.assertEqual(
            english.requirements,
            "We know of this prospective client but have no contact details yet.",
        )
