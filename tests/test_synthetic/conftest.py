"""Shared renders for the synthetic-human tests (small images keep the suite fast)."""
import pytest

from sapiens_mm.synthetic import render_sample

SIZE = (128, 96)  # H, W pixels


@pytest.fixture(scope='session')
def renders():
    """(scene, render) of 24 random images with up to 3 people each."""
    return [render_sample(11, i, SIZE, max_people=3) for i in range(24)]
