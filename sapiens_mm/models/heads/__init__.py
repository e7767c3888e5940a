from .sapiens_heatmap_head import SapiensHeatmapHead  # noqa: F401
from .sapiens_deconv_head import SapiensDeconvHead  # noqa: F401
from .sapiens_depth_head import SapiensDepthHead  # noqa: F401
from .sapiens_normal_head import SapiensNormalHead  # noqa: F401
from .sapiens_seg_head import SapiensSegHead  # noqa: F401
from .sapiens2_normal_head import Sapiens2NormalHead  # noqa: F401
from .sapiens2_seg_head import Sapiens2SegHead  # noqa: F401
from .sapiens2_pointmap_head import Sapiens2PointmapHead  # noqa: F401
