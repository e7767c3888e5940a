"""sapiens_mm: Meta's Sapiens human-centric vision models as an OpenMMLab plugin.

The configs and the model index ship inside the package as ``sapiens_mm/.mim/`` (mmpose's and
mmseg's layout, read by ``mim`` and by mmengine's ``PKG::path`` base configs). In the git
checkout ``sapiens_mm/.mim/configs`` and ``.mim/model-index.yml`` are symbolic links to the
repository's ``configs/`` and ``model-index.yml``; the wheel gets the files themselves: the
list of package data below is walked from ``configs/``, so no glob has to follow the link.
"""
import os
import os.path as osp
import re

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_version():
    with open(osp.join(HERE, 'sapiens_mm', 'version.py')) as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


def read_requirements(name):
    """Requirement lines of requirements/<name>.txt (comments and blanks dropped)."""
    with open(osp.join(HERE, 'requirements', name)) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def mim_files():
    """``sapiens_mm/.mim`` files, relative to the package: model index, metafiles, configs."""
    files = ['.mim/model-index.yml']
    root = osp.join(HERE, 'configs')
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != '__pycache__')
        for name in sorted(names):
            if name.endswith(('.py', '.yml', '.yaml', '.json')):
                rel = osp.relpath(osp.join(folder, name), root).replace(os.sep, '/')
                files.append(f'.mim/configs/{rel}')
    return files


CONSOLE_SCRIPTS = [
    'sapiens-mm = sapiens_mm.cli.main:run',
    'sapiens-train = sapiens_mm.cli.train:run',
    'sapiens-test = sapiens_mm.cli.test:run',
    'sapiens-infer = sapiens_mm.cli.infer:run',
    'sapiens-export = sapiens_mm.cli.export:run',
    'sapiens-extract-features = sapiens_mm.cli.extract_features:run',
    'sapiens-make-synthetic = sapiens_mm.cli.make_synthetic_humans:run',
    'sapiens-make-backgrounds = sapiens_mm.cli.make_background_set:run',
    'sapiens-curate = sapiens_mm.cli.curate_human_images:run',
    'sapiens-convert-checkpoint = sapiens_mm.cli.convert_checkpoint:run',
    'sapiens-clean-pretrain = sapiens_mm.cli.clean_pretrain_checkpoint:run',
    'sapiens-distill-multitask = sapiens_mm.cli.distill_multitask:run',
]

with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
    LONG_DESCRIPTION = f.read()

setup(
    name='sapiens_mm',
    version=read_version(),
    description="Meta's Sapiens models (pose, part segmentation, depth, normals, MAE) "
                'as an OpenMMLab plugin',
    long_description=LONG_DESCRIPTION,
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    license_files=['LICENSE'],
    keywords='sapiens, human pose, body-part segmentation, depth, surface normals, ViT, '
             'openmmlab, mmpose, mmsegmentation',
    classifiers=[
        'Development Status :: 3 - Alpha',
        'Intended Audience :: Science/Research',
        'Intended Audience :: Developers',
        'Operating System :: POSIX :: Linux',
        'Programming Language :: Python :: 3',
        'Programming Language :: Python :: 3 :: Only',
        'Programming Language :: Python :: 3.10',
        'Programming Language :: Python :: 3.11',
        'Programming Language :: Python :: 3.12',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
        'Topic :: Scientific/Engineering :: Image Recognition',
    ],
    packages=find_packages(include=('sapiens_mm', 'sapiens_mm.*')),
    package_data={'sapiens_mm': mim_files()},
    include_package_data=False,
    python_requires='>=3.10',
    # The OpenMMLab stack (extra 'mm') is not a hard requirement: mmcv has no wheel for current
    # torch and must be built (tools/setup_env.sh), and mmpose's own requirements name chumpy,
    # which does not build. Install them first, then sapiens_mm.
    install_requires=read_requirements('runtime.txt') + read_requirements('torch.txt'),
    extras_require={
        'mm': read_requirements('mminstall.txt'),
        'export': read_requirements('export.txt'),
        'tensorboard': read_requirements('tensorboard.txt'),
        'openvino': read_requirements('openvino.txt'),
        'tests': read_requirements('tests.txt') + read_requirements('export.txt')
        + read_requirements('tensorboard.txt'),
    },
    entry_points={'console_scripts': CONSOLE_SCRIPTS},
    zip_safe=False,
)
