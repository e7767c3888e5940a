"""Where sapiens_mm classes are registered: once, in mmengine's root registries.

sapiens_mm is a plugin without a scope of its own. Every class is registered exactly once, in
the mmengine root registry of its kind (the names below are those registries, re-exported):

========================================  ====================================================
``MODELS``                                backbones, heads, losses, estimators
``DATASETS`` / ``TRANSFORMS``             datasets and data transforms
``METRICS``                               evaluation metrics
``EVALUATOR``                             evaluators (the multi-task router)
``HOOKS`` / ``VISUALIZERS``               runner hooks and visualizers
``OPTIM_WRAPPERS``                        optimizer wrappers
``OPTIM_WRAPPER_CONSTRUCTORS``            optimizer-wrapper constructors
``STRATEGIES`` / ``FUNCTIONS``            FlexibleRunner strategies, FSDP wrap policies
========================================  ====================================================

The registries of mmpretrain, mmpose and mmseg are children of these roots, and a child that
does not hold a name looks it up in its parent, so a config in any scope
(``default_scope='mmpose'`` ...) or in none finds ``type='SapiensViT'``, and upstream
classes building their parts through their own registry (an mmpose head building its loss,
an mmseg segmentor its head) find sapiens_mm's as well. A class is used as::

    from sapiens_mm.registry import MODELS

    @MODELS.register_module()
    class SapiensNormalHead(...):

The one exception is a registry without a root parent: mmpose's ``KEYPOINT_CODECS``
(re-exported here) holds the keypoint codec ``BatchUDPHeatmap``. Registering without
``force`` makes a name that an upstream package already registered an import-time error
instead of a silent replacement.
"""
from mmengine.registry import (DATASETS, EVALUATOR, FUNCTIONS, HOOKS, METRICS, MODELS,
                               OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, STRATEGIES,
                               TRANSFORMS, VISUALIZERS)
from mmpose.registry import KEYPOINT_CODECS

__all__ = ['MODELS', 'DATASETS', 'TRANSFORMS', 'METRICS', 'EVALUATOR', 'HOOKS',
           'VISUALIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'STRATEGIES', 'FUNCTIONS',
           'KEYPOINT_CODECS']
