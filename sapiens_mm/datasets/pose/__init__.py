from .goliath_dataset import CocoWholeBodyGoliathDataset, Goliath308Dataset
from .metainfo import CONFIG_ROOT, GOLIATH_METAINFO, load_goliath_extras

__all__ = ['Goliath308Dataset', 'CocoWholeBodyGoliathDataset', 'CONFIG_ROOT',
           'GOLIATH_METAINFO', 'load_goliath_extras']
