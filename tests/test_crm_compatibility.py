"""Odoo's own CRM test suite, run again with this module installed.

crm's tests normally run right after crm installs, before any module that
extends it is loaded, so they can never notice what an extension breaks.
Here the same test classes run post-install, with the milestones, the
transition log and the won/lost rules all active.
"""

from odoo.tests import tagged

from odoo.addons.crm.tests import (
    test_crm_activity,
    test_crm_lead,
    test_crm_lead_assignment,
    test_crm_lead_convert,
    test_crm_lead_duplicates,
    test_crm_lead_merge,
    test_crm_lead_multicompany,
    test_crm_lead_notification,
    test_crm_pls,
    test_crm_rainbowman,
    test_res_partner,
)

CRM_TEST_CLASSES = [
    test_crm_activity.TestCrmMailActivity,
    test_crm_lead.TestCRMLead,
    test_crm_lead.TestCRMLeadRotting,
    test_crm_lead.TestLeadFormTools,
    test_crm_lead.TestCrmLeadMailTrackingDuration,
    test_crm_lead_assignment.TestLeadAssign,
    test_crm_lead_convert.TestLeadConvertForm,
    test_crm_lead_convert.TestLeadConvert,
    test_crm_lead_convert.TestLeadConvertBatch,
    test_crm_lead_duplicates.TestCRMLead,
    test_crm_lead_merge.TestLeadMerge,
    test_crm_lead_multicompany.TestCRMLeadMultiCompany,
    test_crm_lead_notification.NewLeadNotification,
    test_crm_pls.TestLeadLost,
    test_crm_rainbowman.TestCrmLeadRainbowmanMessages,
    test_res_partner.TestResPartner,
]


def _rerun_post_install(test_class):
    """A subclass of ``test_class`` that runs its inherited tests post-install."""
    # crm has two classes called TestCRMLead: name the copy after its file.
    crm_file = test_class.__module__.rsplit(".", 1)[-1]
    rerun = type(
        f"{crm_file}__{test_class.__name__}",
        (test_class,),
        {"__module__": __name__, "allow_inherited_tests_method": True},
    )
    return tagged("post_install", "-at_install", "crm_compat")(rerun)


for _test_class in CRM_TEST_CLASSES:
    _rerun = _rerun_post_install(_test_class)
    globals()[_rerun.__name__] = _rerun
