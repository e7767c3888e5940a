"""utils.fileio: one image listing (one extension list), checked reading, atomic writes."""
import os

import cv2
import numpy as np
import pytest

from sapiens_mm.apis import feature_extraction
from sapiens_mm.utils.fileio import (IMAGE_EXTENSIONS, ImageReadError, atomic_write_text,
                                     list_images, read_image_checked)


@pytest.fixture
def folder(tmp_path):
    img = np.zeros((4, 4, 3), np.uint8)
    for rel in ('b.PNG', 'a/c.jpg', 'a/d.txt', 'e.webp'):
        os.makedirs(tmp_path / os.path.dirname(rel), exist_ok=True)
        if rel.endswith('.txt'):
            (tmp_path / rel).write_text('not an image')
        else:
            cv2.imwrite(str(tmp_path / rel), img)
    return tmp_path


def test_listing_is_recursive_sorted_and_case_insensitive(folder):
    assert list_images(str(folder)) == ['a/c.jpg', 'b.PNG', 'e.webp']
    # feature extraction lists the same files (full paths), or takes a single file as it is
    assert feature_extraction.list_images(str(folder)) == [
        os.path.join(str(folder), r) for r in ('a/c.jpg', 'b.PNG', 'e.webp')]
    assert feature_extraction.list_images(str(folder / 'b.PNG')) == [str(folder / 'b.PNG')]
    assert '.webp' in IMAGE_EXTENSIONS and '.txt' not in IMAGE_EXTENSIONS
    (folder / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='no images'):
        feature_extraction.list_images(str(folder / 'empty'))


def test_checked_reading_names_the_reason(folder):
    assert read_image_checked(str(folder / 'a' / 'c.jpg')).shape == (4, 4, 3)
    with pytest.raises(ImageReadError, match='not a decodable image'):
        read_image_checked(str(folder / 'a' / 'd.txt'))
    with pytest.raises(ImageReadError, match='missing file'):
        read_image_checked(str(folder / 'none.png'))


def test_atomic_write_text_replaces_the_whole_file(tmp_path):
    path = tmp_path / 'sub' / 'last_checkpoint'
    atomic_write_text(str(path), 'epoch_1.pth')
    atomic_write_text(str(path), 'epoch_2.pth')
    assert path.read_text() == 'epoch_2.pth'
    assert sorted(os.listdir(path.parent)) == ['last_checkpoint']  # no temporary file left
