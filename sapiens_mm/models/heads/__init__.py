from .sapiens_heatmap_head import SapiensHeatmapHead  # noqa: F401
