"""Reading the predicted and ground-truth map of a dense data sample for a metric."""
from typing import Tuple

import numpy as np

__all__ = ['prediction_and_truth']


def prediction_and_truth(metric: object, sample: dict, field: str,
                         what: str) -> Tuple[np.ndarray, np.ndarray]:
    """``sample['pred_' + field]`` and ``sample['gt_' + field]`` as float32 numpy arrays of one
    shape, e.g. (1, H, W) depth in metres or (3, H, W) unit normals.

    Raises:
        ValueError: naming ``metric``'s class and the image when the shapes differ (the ground
            truth was loaded before ``Resize`` in the evaluation pipeline); ``what`` names the
            map in the message (``'the depth'``, ``'the normals'``).
    """
    pred = sample[f'pred_{field}']['data'].float().cpu().numpy()
    gt = sample[f'gt_{field}']['data'].float().cpu().numpy()
    if pred.shape != gt.shape:
        raise ValueError(
            f'{type(metric).__name__}: prediction {pred.shape} and ground truth {gt.shape} of '
            f'{sample.get("img_path")} differ; load {what} after Resize in the evaluation '
            'pipeline so that it keeps the original size')
    return pred, gt
