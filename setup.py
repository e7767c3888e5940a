"""sapiens_mm: Meta's Sapiens human-centric vision models as an OpenMMLab plugin."""
import os
import re

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def read_version():
    with open(os.path.join(HERE, 'sapiens_mm', 'version.py')) as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


def read_requirements(name):
    """Requirement lines of requirements/<name>.txt (comments and blanks dropped)."""
    with open(os.path.join(HERE, 'requirements', name)) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


setup(
    name='sapiens_mm',
    version=read_version(),
    description="Meta's Sapiens models (pose, part segmentation, depth, normals, MAE) "
                'as an OpenMMLab plugin',
    long_description=open(os.path.join(HERE, 'README.md')).read()
    if os.path.exists(os.path.join(HERE, 'README.md')) else '',
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    python_requires='>=3.9',
    install_requires=read_requirements('runtime.txt') + read_requirements('torch.txt'),
    extras_require={
        'mm': read_requirements('mminstall.txt'),
        'tests': read_requirements('tests.txt'),
    },
    license='Apache-2.0',
    zip_safe=False,
)
