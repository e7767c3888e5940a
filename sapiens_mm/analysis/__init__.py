"""Model analysis: parameter and MAC counts (see :mod:`.complexity`)."""
from .complexity import (count_macs, count_parameters, counting_target, sapiens2_macs_formula,
                         vit_macs_formula)

__all__ = ['count_parameters', 'count_macs', 'vit_macs_formula', 'sapiens2_macs_formula',
           'counting_target']
