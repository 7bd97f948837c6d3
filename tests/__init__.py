from . import test_milestone_stages
from . import test_transition_log
from . import test_won_lost_refused
from . import test_milestone_security
from . import test_install_backfill
