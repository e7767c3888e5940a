from .metrics import *  # noqa: F401,F403
from .multitask_evaluator import MultiTaskEvaluator  # noqa: F401
