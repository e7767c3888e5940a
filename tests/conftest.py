import atexit
import os
import shutil
import sys
import tempfile

import pytest
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import sapiens_mm  # noqa: E402,F401  (registers the classes)

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

# the run's converted models (the OpenVINO engine's model cache, tools started by tests
# included) go to a folder of its own, not to the user's ~/.cache/sapiens_mm
_CACHE = tempfile.mkdtemp(prefix='sapiens_mm_test_cache_')
os.environ['SAPIENS_MM_CACHE'] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)


@pytest.fixture(scope='session')
def repo_root():
    return ROOT
