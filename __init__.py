from . import models, reports, wizard
from .hooks import post_init_hook
