"""A toy regression task for the entry-point tests, imported by configs via ``custom_imports``.

Registered in mmengine's root registries, so configs of every ``default_scope`` find it (scoped
registries fall back to their mmengine parent). It is shaped to put into checkpoints what real
training puts there: the dataset metainfo holds numpy arrays like mmpose's (float32 ``sigmas``,
uint8 colours) and the metric is a numpy scalar, which ``CheckpointHook(save_best=...)``
stores in the message hub as ``best_score``.
"""
import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from mmengine.registry import DATASETS, METRICS, MODELS
from torch.utils.data import Dataset


@DATASETS.register_module()
class ToyRegressionDataset(Dataset):
    """``size`` samples of ``y = x0 - 2 * x1`` with x in [-1, 1)^2 (fixed seed)."""

    def __init__(self, size: int = 8):
        gen = torch.Generator().manual_seed(0)
        self.x = torch.rand(size, 2, generator=gen) * 2 - 1
        self.y = self.x @ torch.tensor([[1.], [-2.]])

    @property
    def metainfo(self) -> dict:
        return dict(name='toy', sigmas=np.array([.1, .2], dtype=np.float32),
                    colors=np.array([[255, 0, 0], [0, 255, 0]], dtype=np.uint8))

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, idx: int) -> dict:
        return dict(inputs=self.x[idx], labels=self.y[idx])


@MODELS.register_module()
class ToyRegressor(BaseModel):
    """A linear layer trained with MSE; ``predict`` returns (prediction, label) pairs."""

    def __init__(self, data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, inputs, labels, mode='tensor'):
        pred = self.linear(inputs)
        if mode == 'loss':
            return dict(loss=torch.nn.functional.mse_loss(pred, labels))
        if mode == 'predict':
            return list(zip(pred.detach(), labels))
        return pred


@METRICS.register_module()
class ToyMSE(BaseMetric):
    """Mean squared error of :class:`ToyRegressor` predictions, as a numpy float64."""

    default_prefix = 'toy'

    def process(self, data_batch, data_samples):
        self.results.extend(float((p - y).pow(2).sum()) for p, y in data_samples)

    def compute_metrics(self, results):
        return dict(mse=np.float64(np.mean(results)))
