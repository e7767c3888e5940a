from .pose import draw_pose

__all__ = ['draw_pose']
