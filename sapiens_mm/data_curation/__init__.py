"""Data work of the Sapiens method: curating human images for pretraining (a person detector
with score and box-size thresholds, resumable) and non-human background sets for the
``RandomBackground`` augmentation of the dense tasks."""
from .backgrounds import build_background_set, largest_free_rect, person_category_ids
from .curation import CurationCriteria, curate_images, decide, summarize
from .detectors import CocoBoxDetector, PersonDetector, as_person_detector, detector_name
from sapiens_mm.utils.fileio import ImageReadError, list_images, read_image_checked, read_path_list
from .ledger import Ledger, LedgerMismatchError

__all__ = [
    'CurationCriteria', 'curate_images', 'decide', 'summarize', 'PersonDetector',
    'as_person_detector', 'detector_name', 'CocoBoxDetector', 'Ledger', 'LedgerMismatchError',
    'ImageReadError', 'read_image_checked', 'list_images', 'read_path_list',
    'build_background_set', 'largest_free_rect', 'person_category_ids'
]
