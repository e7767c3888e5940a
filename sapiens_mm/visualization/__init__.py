from .pose import draw_pose

__all__ = ['draw_pose']
from .panels import draw_depth, draw_normals, draw_parts, side_by_side  # noqa: E402

__all__ += ['draw_parts', 'draw_depth', 'draw_normals', 'side_by_side']
