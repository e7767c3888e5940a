from .optimizers import *  # noqa: F401,F403
from .hooks import *  # noqa: F401,F403
from .fsdp_policies import *  # noqa: F401,F403
from .fsdp_strategy import *  # noqa: F401,F403
