"""sapiens_mm: Meta's Sapiens models as an OpenMMLab plugin.

Importing the package (or ``custom_imports=dict(imports=['sapiens_mm'])`` in a config) registers
every sapiens_mm class into the registries of mmengine, mmpretrain, mmpose and mmseg.
"""
from .version import __version__  # noqa: F401
from .checkpoint.loading import register_checkpoint_schemes
from .checkpoint.safe_globals import register_safe_globals

register_safe_globals()  # lets weights-only torch.load read mmengine checkpoints (resume)
register_checkpoint_schemes()  # mmengine's local/URL checkpoint loading goes weights-only

from . import codecs, datasets, engine, evaluation, models  # noqa: E402,F401  (registration)
