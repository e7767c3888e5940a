"""The package's imports run one way (developers' guide; README "Where things are").

Every ``import`` / ``from ... import`` of a ``sapiens_mm`` module, at module level or inside a
function, is read from the source with :mod:`ast` (nothing is imported), and the imported
package's tier must be below the importing package's tier:

    cli (the console commands behind tools/)
    -> apis, export, data_curation, synthetic
    -> engine, evaluation, visualization, analysis
    -> models, datasets, codecs
    -> checkpoint
    -> utils, registry, version

A name starting with one underscore is private to its package: no other package imports it.
"""
import ast
import re
from pathlib import Path
from typing import List, Tuple

import pytest

import sapiens_mm

PACKAGE = Path(sapiens_mm.__file__).parent

TIERS = (
    ('utils', 'registry', 'version'),
    ('checkpoint', ),
    ('models', 'datasets', 'codecs'),
    ('engine', 'evaluation', 'visualization', 'analysis'),
    ('apis', 'export', 'data_curation', 'synthetic'),
    ('cli', ),
)
TIER = {name: level for level, names in enumerate(TIERS) for name in names}
#: Imports between packages of one tier that are allowed, with the reason.
SIDEWAYS = {
    # The export wrappers put the inferencer's public task model (build_task_model) in front of
    # torch.export / ONNX, so that the exported graph is the one inference runs.
    ('export', 'apis'),
}

Edge = Tuple[str, str, str, int]  # importing module, imported module, imported name, line


def _module_name(path: Path, root: Path) -> Tuple[str, str]:
    """(dotted module name, dotted package that relative imports start from)."""
    parts = list(path.relative_to(root.parent).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts = parts[:-1]
        return '.'.join(parts), '.'.join(parts)
    return '.'.join(parts), '.'.join(parts[:-1])


def package_imports(root: Path = PACKAGE) -> List[Edge]:
    """Every import of a sapiens_mm module by a module under ``root``."""
    edges = []
    for path in sorted(root.rglob('*.py')):
        module, package = _module_name(path, root)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                edges += [(module, a.name, '', node.lineno) for a in node.names
                          if a.name.split('.')[0] == 'sapiens_mm']
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split('.')[:len(package.split('.')) - (node.level - 1)]
                    target = '.'.join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ''
                if target.split('.')[0] != 'sapiens_mm':
                    continue
                for alias in node.names:
                    if target == 'sapiens_mm':  # from sapiens_mm import models
                        edges.append((module, f'sapiens_mm.{alias.name}', '', node.lineno))
                    else:
                        edges.append((module, target, alias.name, node.lineno))
    return edges


def _subpackage(module: str) -> str:
    parts = module.split('.')
    return parts[1] if len(parts) > 1 else ''


def wrong_way(edges: List[Edge]) -> List[str]:
    """The edges that break the tiers or import another package's private name."""
    bad = []
    for src, dst, name, line in edges:
        a, b = _subpackage(src), _subpackage(dst)
        if not a or a == b:  # sapiens_mm/__init__.py registers everything; inside a package
            continue
        where = f'{src} (line {line}) imports {dst}' + (f'.{name}' if name else '')
        if not b:  # `import sapiens_mm`: everything, registered (what a command does first)
            if TIER.get(a) != len(TIERS) - 1:
                bad.append(f'{where}: only the top tier imports the whole package')
        elif a not in TIER or b not in TIER:
            bad.append(f'{where}: package not in TIERS (add it to the README map too)')
        elif TIER[b] > TIER[a] or (TIER[b] == TIER[a] and (a, b) not in SIDEWAYS):
            bad.append(f'{where}: {b} is not below {a}')
        elif name.startswith('_') and not name.startswith('__'):
            bad.append(f'{where}: private name of another package')
    return bad


def test_every_subpackage_has_a_tier():
    found = {p.name for p in PACKAGE.iterdir() if (p / '__init__.py').is_file()}
    found |= {p.stem for p in PACKAGE.glob('*.py') if p.stem != '__init__'}
    assert found == set(TIER)


def test_imports_run_one_way():
    edges = package_imports()
    assert len(edges) > 100  # the parse found the package's imports
    assert wrong_way(edges) == []


@pytest.mark.parametrize('source, message', [
    ('from sapiens_mm.data_curation.backgrounds import list_background_files',
     'data_curation is not below datasets'),
    ('from sapiens_mm.engine.hooks import NonFiniteLossHook', 'engine is not below datasets'),
    ('from ...apis.inferencers import build_task_model', 'apis is not below datasets'),
    ('import sapiens_mm.synthetic.scene', 'synthetic is not below datasets'),
    ('from sapiens_mm.utils.fileio import _tmp_beside', 'private name of another package'),
])
def test_the_check_finds_wrong_way_imports(tmp_path, source, message):
    """The checker itself: each of these lines in a dataset transform is reported."""
    fake = tmp_path / 'sapiens_mm' / 'datasets' / 'transforms'
    fake.mkdir(parents=True)
    (fake / 'bad.py').write_text(f'def f():\n    {source}\n')
    edges = package_imports(tmp_path / 'sapiens_mm')
    assert edges and edges[0][0] == 'sapiens_mm.datasets.transforms.bad'
    (report, ) = wrong_way(edges)
    assert report.endswith(message), report
    assert '(line 2)' in report


def test_readme_map_matches_the_tree(repo_root):
    """README "Where things are": one row per package folder, each folder that exists."""
    readme = (Path(repo_root) / 'README.md').read_text()
    section = readme.split('## Where things are', 1)[1].split('\n## ', 1)[0]
    rows = set(re.findall(r'^\| `sapiens_mm/(\w+)(?:/|\.py)`', section, re.M))
    found = {p.name for p in PACKAGE.iterdir() if (p / '__init__.py').is_file()}
    assert rows == found | {'registry'}
    # the import order the README states is the tiers of this test
    order = section.split('(`tests/test_import_direction.py`', 1)[1].split('\n\n', 1)[0]
    stated = [re.findall(r'`(\w+)`', group) for group in order.split('→')]
    assert [set(g) for g in stated] == [set(t) - {'version'} for t in reversed(TIERS)]
