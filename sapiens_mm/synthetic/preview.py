"""Side-by-side previews of a render: image | part map | depth | normals | skeleton overlay."""
import cv2
import numpy as np

from .vocab import SEG_PALETTE, goliath_info

__all__ = ['make_preview']


def _depth_colours(depth: np.ndarray) -> np.ndarray:
    fg = depth > 0
    out = np.zeros(depth.shape + (3,), np.uint8)
    if fg.any():
        inv = 1.0 / depth[fg]
        lo, hi = inv.min(), inv.max()
        grey = np.zeros(depth.shape, np.uint8)
        grey[fg] = np.clip(255 * (inv - lo) / max(hi - lo, 1e-6), 0, 255).astype(np.uint8)
        out[fg] = cv2.applyColorMap(grey, cv2.COLORMAP_TURBO)[fg]
    return out


def make_preview(render: dict) -> np.ndarray:
    """(H, 5 W, 3) uint8 BGR panel of a :func:`~.scene.render_scene` result."""
    image_bgr = np.ascontiguousarray(render['image'][..., ::-1])
    parts = np.array(SEG_PALETTE, np.uint8)[render['seg']][..., ::-1]
    depth = _depth_colours(render['depth'])
    n = render['normal']
    # x right, y up, z towards the viewer as RGB, the usual normal-map colouring
    rgb = np.clip((n * [1, -1, -1] + 1) * 127.5, 0, 255)
    normals = np.where((render['mask'] > 0)[..., None], rgb, 0).astype(np.uint8)[..., ::-1]
    overlay = image_bgr.copy()
    info = goliath_info()
    for person in render['keypoints']:
        for a, b in info['skeleton']:
            if person[a, 2] > 0 and person[b, 2] > 0:
                colour = tuple(int(c) for c in info['colors'][a][::-1])
                cv2.line(overlay, (int(round(person[a, 0])), int(round(person[a, 1]))),
                         (int(round(person[b, 0])), int(round(person[b, 1]))), colour, 1,
                         cv2.LINE_AA)
        for k in range(len(person)):
            if person[k, 2] == 2:
                cv2.circle(overlay, (int(round(person[k, 0])), int(round(person[k, 1]))), 1,
                           (0, 255, 0) if k < 70 else (255, 255, 255), -1)
    return np.concatenate([image_bgr, np.ascontiguousarray(parts), depth,
                           np.ascontiguousarray(normals), overlay], axis=1)
