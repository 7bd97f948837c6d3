from . import (
    test_crm_compatibility,
    test_install_backfill,
    test_milestone_security,
    test_milestone_stages,
    test_tours,
    test_transition_log,
    test_won_lost_refused,
)
