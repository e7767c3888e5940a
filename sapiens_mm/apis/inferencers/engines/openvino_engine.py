"""The OpenVINO engine: each graph of task heads converted to OpenVINO and compiled for the CPU.

OpenVINO (Intel's inference runtime; https://docs.openvino.ai) fuses the whole graph and runs
it through oneDNN in the precision its ``INFERENCE_PRECISION_HINT`` asks for: on a CPU with
native bf16 (AMX / AVX-512-BF16) the 0.3B segmentation model ran 1.8x faster than the torch
engine's bf16 fast path, closer to fp32 (``docs/benchmarks.md``).

What is converted is a :class:`~.task_graph.TaskGraph`: the normalised input (B, 3, H, W) with
a free batch size B and the model's fixed H, W -> the heads' outputs (several for a shared
backbone pass). It is converted straight from the torch module (:func:`convert_to_openvino`:
``torch.jit.trace``, then OpenVINO's PyTorch frontend), kept in the model cache
(:mod:`.model_cache`) as IR (``model.xml`` + ``model.bin``, fp32 weights) under a key of the
weights' bytes, the configs, the input size and the OpenVINO / torch / sapiens_mm versions
(not the precision: the IR keeps fp32 weights and the precision is chosen when it is compiled,
so fp32 and bf16 share one IR), and compiled for the CPU with OpenVINO's own blob cache in the
entry, one folder per precision (``compiled/f32/``, ``compiled/bf16/``), so a second process
skips both conversion and compilation.
Models with random weights (no checkpoint) are converted in memory and not cached.

The inferencer's data preprocessor makes the input and its decoding reads the outputs, as for
the torch engine: the engine changes the numbers only by the precision and the order of sums.
"""
import os.path as osp
import time
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from sapiens_mm.utils.signal_stack import keep_signal_stack

from .base import GraphOutputs, InferenceEngine, group_tasks
from .model_cache import ModelCache, cache_key, tensors_digest
from .task_graph import TaskGraph, task_head, task_output_names

__all__ = ['OpenVINOEngine', 'import_openvino', 'openvino_available', 'convert_to_openvino',
           'OPENVINO_MISSING', 'OV_PRECISION']

OPENVINO_MISSING = ("the OpenVINO engine needs the 'openvino' package, which is not "
                    "installed: pip install openvino (or sapiens_mm[openvino]), or use "
                    "engine='torch' (--engine torch)")
#: torch dtype -> OpenVINO ``INFERENCE_PRECISION_HINT``
OV_PRECISION = {torch.float32: 'f32', torch.bfloat16: 'bf16'}
#: bump when the graph or the IR layout written changes
_FORMAT = 2  # 2: precision left out of the key, compiled/{precision}/ blobs


def import_openvino():
    """The ``openvino`` module; ``ImportError`` saying how to install it if it is missing."""
    try:
        import openvino
    except ImportError as e:
        raise ImportError(f'{OPENVINO_MISSING} ({e})') from e
    return openvino


def openvino_available() -> bool:
    """Whether ``openvino`` can be imported."""
    try:
        import_openvino()
    except ImportError:
        return False
    return True


def convert_to_openvino(module: torch.nn.Module, example: torch.Tensor,
                        dynamic_batch: bool = True, output_names: Optional[Sequence[str]] = None):
    """``ov.Model`` of ``module`` (input (B, 3, H, W) -> output tensor(s)) traced at the shape
    of ``example``; ``dynamic_batch`` frees B. Input named ``input``, outputs
    ``output_names`` (default ``output`` / ``output_0`` ...).

    The module is traced here (``torch.jit.trace``, no trace check) and the trace handed to
    OpenVINO's PyTorch frontend with the input's shape and type set, which is what
    ``ov.convert_model`` does inside, less its extras: on the tiny models 1 s instead of
    10-13 s, of which 2.5 s were usage telemetry it sends by default (blocked here, and not
    ours to send) and 3 s a pre-processing pass to set the input shape. Where the frontend
    classes are missing (another OpenVINO release), ``ov.convert_model`` runs instead.
    """
    ov = import_openvino()
    example = example.detach().float().cpu()
    if dynamic_batch and example.shape[0] == 1:  # a batch of 1 may be traced as a constant
        example = example.expand(2, -1, -1, -1).contiguous()
    shape = ov.PartialShape([-1 if dynamic_batch else example.shape[0]]
                            + list(example.shape[1:]))
    try:
        from openvino.frontend import FrontEndManager
        from openvino.frontend.pytorch.ts_decoder import TorchScriptPythonDecoder
    except ImportError:
        with torch.no_grad():
            model = ov.convert_model(module.eval(), example_input=(example, ), input=[shape])
    else:
        with torch.no_grad(), warnings.catch_warnings():
            # shape-dependent Python branches are constants at the fixed H, W; jit.trace
            # deprecation: ov.convert_model traces the same way
            warnings.simplefilter('ignore', torch.jit.TracerWarning)
            warnings.simplefilter('ignore', FutureWarning)
            traced = torch.jit.trace(module.eval(), (example, ), check_trace=False,
                                     strict=False)
        frontend = FrontEndManager().load_by_framework('pytorch')
        decoder = TorchScriptPythonDecoder(traced)  # must outlive convert (not kept by load)
        graph = frontend.load(decoder)
        place = graph.get_inputs()[0]
        graph.set_partial_shape(place, shape)
        graph.set_element_type(place, ov.Type.f32)
        model = frontend.convert(graph)
        del decoder
    model.inputs[0].get_tensor().set_names({'input'})
    n = len(model.outputs)
    names = list(output_names) if output_names else \
        (['output'] if n == 1 else [f'output_{i}' for i in range(n)])
    if len(names) != n:
        raise ValueError(f'convert_to_openvino: {n} outputs, {len(names)} names given')
    for out, name in zip(model.outputs, names):
        out.get_tensor().set_names({name})
    return model


class CompiledGraph:
    """A compiled graph and its infer request: ``graph(x)`` with ``x`` (B, 3, H, W) float ->
    :class:`~.base.GraphOutputs` ``{task: float32 tensor}`` (copies, owned by the caller); a
    task with several outputs (pointmaps: canonical map, scale) gets a tuple of them, as its
    head's ``forward`` returns."""

    def __init__(self, compiled, tasks: Sequence[str]):
        self.compiled = compiled
        self.tasks = tuple(tasks)
        with keep_signal_stack():
            self.request = compiled.create_infer_request()

    def __call__(self, x: torch.Tensor) -> GraphOutputs:
        arr = x.detach().to('cpu', torch.float32).contiguous().numpy()
        with keep_signal_stack():  # see keep_signal_stack: the plugin's sigaltstack
            res = self.request.infer({0: arr}, share_inputs=True, share_outputs=False)
        outs = iter(torch.from_numpy(np.asarray(o, np.float32)) for o in res.to_tuple())
        got = GraphOutputs()
        for t in self.tasks:
            n = len(task_output_names(t))
            got[t] = next(outs) if n == 1 else tuple(next(outs) for _ in range(n))
        return got


class RunGraph:
    """Replacement ``extract_feat`` of a top-down pose model: the input -> the compiled pose
    graph's :class:`~.base.GraphOutputs` (mmpose's ``predict`` passes them to the head)."""

    def __init__(self, graph: CompiledGraph):
        self.graph = graph

    def __call__(self, inputs: torch.Tensor, *args, **kwargs) -> GraphOutputs:
        return self.graph(inputs)


class PickOutput:
    """Replacement ``forward`` of a head: its task's entry of :class:`~.base.GraphOutputs`;
    anything else (torch features) goes to the head's own forward."""

    def __init__(self, head: torch.nn.Module, task: str):
        self.task = task
        self.forward = type(head).forward.__get__(head)

    def __call__(self, feats, *args, **kwargs):
        if isinstance(feats, GraphOutputs):
            return feats[self.task]
        return self.forward(feats, *args, **kwargs)


class OpenVINOEngine(InferenceEngine):
    """Runs each graph of tasks (a dense sharing group, with pose when it is decoded from the
    group's features; top-down pose alone) as an OpenVINO model compiled for the CPU.

    Args:
        dtype: ``torch.float32`` (``INFERENCE_PRECISION_HINT=f32``) or ``torch.bfloat16``
            (``bf16``); decoding stays fp32 either way.
        cache: keep converted models in the model cache (only models with checkpoints).
        cache_root: the cache root (default: :func:`~.model_cache.cache_root`).
        threads: CPU threads (``INFERENCE_NUM_THREADS``; default torch's thread count).
        logger: where conversions and cache use are logged (default mmengine's current).

    Attributes:
        graphs: ``{tasks: CompiledGraph}``.
        events: one dict per graph made ready: ``tasks``, ``how`` (``'converted'``,
            ``'converted+cached'``, ``'cache'``), ``seconds`` (in all), ``convert_s``
            (tracing, conversion, writing the IR), ``compile_s`` (``compile_model``),
            ``hash_s`` (the cache key), ``entry`` (the cache folder).
    """

    name = 'openvino'

    def __init__(self, dtype: torch.dtype, cache: bool = True, cache_root: Optional[str] = None,
                 threads: Optional[int] = None, logger=None):
        super().__init__(dtype)
        if dtype not in OV_PRECISION:
            raise ValueError(f'OpenVINO engine: precision {dtype} not supported '
                             f'(float32 or bfloat16)')
        self.ov = import_openvino()
        with keep_signal_stack():  # the CPU plugin's dangling sigaltstack (its docstring)
            self.core = self.ov.Core()
        self.cache = ModelCache('openvino', cache_root, logger) if cache else None
        self.threads = int(threads or torch.get_num_threads())
        self.logger = logger
        self.graphs: Dict[Tuple[str, ...], CompiledGraph] = {}
        self.events: List[dict] = []

    # ------------------------------------------------------------------ set-up
    def _log(self, msg: str) -> None:
        logger = self.logger
        if logger is None:
            from mmengine.logging import MMLogger
            logger = MMLogger.get_current_instance()
        logger.info(msg)

    def compile_config(self, cache_dir: Optional[str] = None) -> dict:
        """The CPU plugin's properties: precision, threads, latency, and the blob cache."""
        config = {'INFERENCE_PRECISION_HINT': OV_PRECISION[self.dtype],
                  'INFERENCE_NUM_THREADS': str(self.threads),
                  'PERFORMANCE_HINT': 'LATENCY'}
        if cache_dir:
            config['CACHE_DIR'] = cache_dir
        return config

    def key_parts(self, models: Dict[str, 'TaskModel'], tasks: Sequence[str],  # noqa: F821
                  graph: TaskGraph) -> dict:
        """What decides the converted model (:func:`~.model_cache.cache_key` hashes it)."""
        from sapiens_mm.version import __version__
        from ..task_model import _canonical
        # no precision: the IR holds fp32 weights; compile_config() applies the precision
        return dict(format=_FORMAT, tasks=list(tasks),
                    configs=[_canonical(models[t].cfg.model) for t in tasks],
                    input=list(models[tasks[0]].input_size),
                    openvino=self.ov.get_version(),
                    torch=torch.__version__, sapiens_mm=__version__,
                    weights=tensors_digest(graph.state_dict().items()))

    def build_graph(self, models: Dict[str, 'TaskModel'],  # noqa: F821
                    tasks: Sequence[str]) -> CompiledGraph:
        """Convert (or load from the cache) and compile the graph of ``tasks``."""
        tasks = tuple(tasks)
        t0 = time.perf_counter()
        graph = TaskGraph({t: models[t].model for t in tasks}, tasks)
        hw = models[tasks[0]].input_size
        g = torch.Generator().manual_seed(0)
        example = torch.randn(2, 3, *hw, generator=g)
        names = graph.output_names()
        cacheable = self.cache is not None and all(models[t].checkpoint for t in tasks)
        event = dict(tasks=tasks, entry=None, convert_s=0.0, compile_s=0.0)
        if cacheable:
            t = time.perf_counter()
            parts = self.key_parts(models, tasks, graph)
            key = cache_key(parts)
            event['hash_s'] = time.perf_counter() - t

            def build(folder):
                t = time.perf_counter()
                model = convert_to_openvino(graph, example, True, names)
                self.ov.save_model(model, osp.join(folder, 'model.xml'), compress_to_fp16=False)
                event['convert_s'] += time.perf_counter() - t

            def load(folder):
                t = time.perf_counter()
                with keep_signal_stack():
                    compiled = self.core.compile_model(
                        osp.join(folder, 'model.xml'), 'CPU',
                        self.compile_config(osp.join(folder, 'compiled',
                                                     OV_PRECISION[self.dtype])))
                event['compile_s'] += time.perf_counter() - t
                return compiled

            compiled, built = self.cache.load_or_build(key, parts, build, load)
            event.update(how='converted+cached' if built else 'cache',
                         entry=self.cache.entry(key))
        else:
            t = time.perf_counter()
            model = convert_to_openvino(graph, example, True, names)
            t1 = time.perf_counter()
            with keep_signal_stack():
                compiled = self.core.compile_model(model, 'CPU', self.compile_config())
            event.update(how='converted', convert_s=t1 - t,
                         compile_s=time.perf_counter() - t1)
        event['seconds'] = time.perf_counter() - t0
        self.events.append(event)
        self._log(f'openvino: {"+".join(tasks)} graph ({hw[0]}x{hw[1]}, dynamic batch) '
                  + ('loaded from the model cache' if event['how'] == 'cache' else
                     'converted' + (' and cached' if event['entry'] else
                                    ' (random weights: not cached)'))
                  + f' in {event["seconds"]:.1f} s (conversion {event["convert_s"]:.1f} s, '
                  f'compilation {event["compile_s"]:.1f} s)'
                  + (f': {event["entry"]}' if event['entry'] else ''))
        return CompiledGraph(compiled, tasks)

    def _graph(self, models, tasks) -> CompiledGraph:
        if tasks not in self.graphs:
            self.graphs[tasks] = self.build_graph(models, tasks)
        return self.graphs[tasks]

    def prepare(self, models: Dict[str, 'TaskModel'], groups: List[List[str]],  # noqa: F821
                pose_group: Optional[int]) -> None:
        for gi, group in enumerate(groups):
            self._graph(models, group_tasks(group, pose_group == gi))
        if 'pose' in models and pose_group is None:  # top-down: mmpose's test_step runs it
            models['pose'].model.extract_feat = RunGraph(self._graph(models, ('pose', )))
        for task, tm in models.items():
            head = task_head(tm.model, task)
            if not isinstance(head.__dict__.get('forward'), PickOutput):
                head.forward = PickOutput(head, task)

    # ------------------------------------------------------------------ running
    def features(self, tasks: Tuple[str, ...], model: torch.nn.Module,
                 inputs: torch.Tensor) -> GraphOutputs:
        return self.graphs[tasks](inputs)

    def precision(self) -> str:
        """The precision the compiled graphs run in, as OpenVINO reports it."""
        for g in self.graphs.values():
            value = g.compiled.get_property('INFERENCE_PRECISION_HINT')
            return value.to_string() if hasattr(value, 'to_string') else str(value)
        return OV_PRECISION[self.dtype]

    def describe(self) -> str:
        return (f'openvino {self.ov.get_version()} (CPU, {self.precision()}, '
                f'{self.threads} threads)')
