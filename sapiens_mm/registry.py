"""Registration of sapiens_mm classes into the upstream OpenMMLab registries.

sapiens_mm has no registry of its own: every model class is registered into mmengine's root
``MODELS`` and into the ``MODELS`` of mmpretrain, mmpose and mmseg, so that a config in any of
those scopes (``default_scope='mmpose'`` ...) can say ``type='SapiensViT'``. Optimizer-wrapper
constructors go into the matching ``OPTIM_WRAPPER_CONSTRUCTORS``.
"""
from typing import Callable, List, Type

from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmpose.registry import MODELS as MMPOSE_MODELS
from mmpose.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMPOSE_OPTIM_WRAPPER_CONSTRUCTORS
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmpretrain.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMPRETRAIN_OPTIM_WRAPPER_CONSTRUCTORS
from mmseg.registry import MODELS as MMSEG_MODELS
from mmseg.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMSEG_OPTIM_WRAPPER_CONSTRUCTORS

#: Registries a sapiens_mm model class is visible in, one per scope.
MODEL_REGISTRIES = (MMENGINE_MODELS, MMPRETRAIN_MODELS, MMPOSE_MODELS, MMSEG_MODELS)
#: Registries a sapiens_mm optimizer-wrapper constructor is visible in.
OPTIM_WRAPPER_CONSTRUCTOR_REGISTRIES = (
    MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, MMPRETRAIN_OPTIM_WRAPPER_CONSTRUCTORS,
    MMPOSE_OPTIM_WRAPPER_CONSTRUCTORS, MMSEG_OPTIM_WRAPPER_CONSTRUCTORS)


def _register_into(registries) -> Callable[[Type], Type]:

    def decorator(cls: Type) -> Type:
        for registry in registries:
            # force=True keeps re-imports (e.g. importlib.reload in tests) idempotent.
            registry.register_module(module=cls, force=True)
        return cls

    return decorator


#: Class decorator: register a model class (backbone, neck, head, loss, estimator).
register_model = _register_into(MODEL_REGISTRIES)
#: Class decorator: register an optimizer-wrapper constructor.
register_optim_wrapper_constructor = _register_into(OPTIM_WRAPPER_CONSTRUCTOR_REGISTRIES)


def scopes_with(name: str, registries=MODEL_REGISTRIES) -> List[str]:
    """Scopes whose registry (not a parent) holds ``name``; a diagnostic helper."""
    return [r.scope for r in registries if name in r.module_dict]


# ---------------------------------------------------------------------------------------------
# mmseg-side registration (dense tasks: body-part segmentation, depth, surface normals).
# Datasets, transforms, metrics and hooks go into mmseg's own registry, which a config with
# ``default_scope='mmseg'`` searches first, and into mmengine's root registry, so that a config
# without a scope finds them too.
from mmengine.registry import DATASETS as MMENGINE_DATASETS  # noqa: E402
from mmengine.registry import HOOKS as MMENGINE_HOOKS  # noqa: E402
from mmengine.registry import METRICS as MMENGINE_METRICS  # noqa: E402
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS  # noqa: E402
from mmseg.registry import DATASETS as MMSEG_DATASETS  # noqa: E402
from mmseg.registry import HOOKS as MMSEG_HOOKS  # noqa: E402
from mmseg.registry import METRICS as MMSEG_METRICS  # noqa: E402
from mmseg.registry import TRANSFORMS as MMSEG_TRANSFORMS  # noqa: E402

#: Class decorator: register a dataset into mmseg's and mmengine's ``DATASETS``.
register_mmseg_dataset = _register_into((MMENGINE_DATASETS, MMSEG_DATASETS))
#: Class decorator: register a data transform into mmseg's and mmengine's ``TRANSFORMS``.
register_mmseg_transform = _register_into((MMENGINE_TRANSFORMS, MMSEG_TRANSFORMS))
#: Class decorator: register an evaluation metric into mmseg's and mmengine's ``METRICS``.
register_mmseg_metric = _register_into((MMENGINE_METRICS, MMSEG_METRICS))
#: Class decorator: register a runner hook into mmseg's and mmengine's ``HOOKS``.
register_mmseg_hook = _register_into((MMENGINE_HOOKS, MMSEG_HOOKS))

# ---------------------------------------------------------------------------------------------
# Engine-level classes (fault-tolerance hooks, optimizer wrappers, FSDP policy functions) go
# into mmengine's root registries only: every scope's registry falls back to its root parent.
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS  # noqa: E402
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS  # noqa: E402

#: Class decorator: register a runner hook into mmengine's root ``HOOKS``.
register_engine_hook = _register_into((MMENGINE_HOOKS, ))
#: Class decorator: register an optimizer wrapper into mmengine's root ``OPTIM_WRAPPERS``.
register_optim_wrapper = _register_into((MMENGINE_OPTIM_WRAPPERS, ))
#: Decorator: register a function (FSDP wrap policy, checkpointing check) in ``FUNCTIONS``.
register_function = _register_into((MMENGINE_FUNCTIONS, ))

# ---------------------------------------------------------------------------------------------
# Visualizers: the pose one into mmpose's ``VISUALIZERS`` (pose configs, default_scope='mmpose'),
# the dense one into mmseg's; both also into mmengine's root registry for scope-less configs.
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS  # noqa: E402
from mmpose.registry import VISUALIZERS as MMPOSE_VISUALIZERS  # noqa: E402
from mmseg.registry import VISUALIZERS as MMSEG_VISUALIZERS  # noqa: E402

#: Class decorator: register a pose visualizer into mmpose's and mmengine's ``VISUALIZERS``.
register_mmpose_visualizer = _register_into((MMENGINE_VISUALIZERS, MMPOSE_VISUALIZERS))
#: Class decorator: register a dense visualizer into mmseg's and mmengine's ``VISUALIZERS``.
register_mmseg_visualizer = _register_into((MMENGINE_VISUALIZERS, MMSEG_VISUALIZERS))

# ---------------------------------------------------------------------------------------------
# FlexibleRunner strategies (FSDP) into mmengine's root ``STRATEGIES``.
from mmengine.registry import STRATEGIES as MMENGINE_STRATEGIES  # noqa: E402

#: Class decorator: register a FlexibleRunner strategy into mmengine's root ``STRATEGIES``.
register_strategy = _register_into((MMENGINE_STRATEGIES, ))

# ---------------------------------------------------------------------------------------------
# Evaluators (the multi-task evaluator that routes each task to its metrics) into mmengine's
# root ``EVALUATOR``: every scope's registry falls back to it.
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR  # noqa: E402

#: Class decorator: register an evaluator into mmengine's root ``EVALUATOR``.
register_evaluator = _register_into((MMENGINE_EVALUATOR, ))
