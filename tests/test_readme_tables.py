"""Tables of the README against what they describe, so that they cannot drift:

* the console-command table (section "As a package") against ``setup.py``: every console
  script is listed, nothing else is, and each checkout tool named beside a command runs the
  same ``sapiens_mm.cli`` module as the command's entry point (the table had lost
  ``sapiens-distill-multitask``);
* the backbone table (section "The backbone") against the parameter and MAC counters of
  ``sapiens_mm.analysis`` on the meta device (the table had ``sapiens_tiny`` at 0.8 M
  parameters, which is 1.28 M at the table's 1024x768).
"""
import ast
import re
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]


def console_scripts():
    """``{command: cli module}`` of ``setup.py``'s ``CONSOLE_SCRIPTS`` (read, not executed)."""
    tree = ast.parse((REPO / 'setup.py').read_text())
    node = next(n for n in tree.body if isinstance(n, ast.Assign)
                and any(getattr(t, 'id', None) == 'CONSOLE_SCRIPTS' for t in n.targets))
    scripts = {}
    for entry in ast.literal_eval(node.value):
        name, target = (s.strip() for s in entry.split('='))
        scripts[name] = target.split(':')[0]
    return scripts


def readme_command_rows():
    """Rows of the table under "Console commands": (commands, tool paths), in column order."""
    text = (REPO / 'README.md').read_text()
    start = text.index('Console commands')
    rows = []
    for line in text[start:].splitlines()[1:]:
        if rows and not line.startswith('|'):
            break
        if not line.startswith('|') or line.startswith('| ---') or line.startswith('| command'):
            continue
        command_cell, same_cell = line.strip('|').split('|')[:2]
        commands = re.findall(r'`(sapiens-[a-z-]+)[ `]', command_cell)
        tools = re.findall(r'`(tools/[\w/]+\.py)`', same_cell)
        rows.append((commands, tools))
    return rows


def test_table_lists_every_console_script():
    scripts = console_scripts()
    assert len(scripts) >= 12
    listed = [c for commands, _ in readme_command_rows() for c in dict.fromkeys(commands)]
    assert len(listed) == len(set(listed)), listed
    missing = sorted(set(scripts) - set(listed))
    extra = sorted(set(listed) - set(scripts))
    assert not missing and not extra, f'README table: missing {missing}, not in setup.py {extra}'


def test_each_tool_beside_a_command_runs_its_cli_module():
    scripts = console_scripts()
    checked = 0
    for commands, tools in readme_command_rows():
        commands = list(dict.fromkeys(commands))
        if not tools:  # `sapiens-mm` has no tools/ twin
            continue
        assert len(tools) == len(commands), (commands, tools)
        for command, tool in zip(commands, tools):
            path = REPO / tool
            assert path.is_file(), f'README names {tool}, which does not exist'
            module = scripts[command]
            assert f'from {module} import' in path.read_text(), \
                f'{tool} does not run {module} (the module of {command})'
            checked += 1
    assert checked == len(scripts) - 1


def readme_backbone_rows():
    """``{arch: (params cell, MACs cell)}`` of the table under "## The backbone"."""
    text = (REPO / 'README.md').read_text()
    section = text[text.index('## The backbone'):]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        m = re.match(r'`(sapiens_[\w.]+)`', cells[0]) if line.startswith('|') else None
        if m:
            rows[m.group(1)] = (cells[-2], cells[-1])
        elif rows and not line.startswith('|'):
            break
    return rows


def test_backbone_table_counts():
    """Parameters at 1024x768 without cls token (the position table included) exactly, MACs
    at 1024x768 (64 x 48 tokens) to the printed precision."""
    from sapiens_mm.analysis import count_macs, count_parameters, vit_macs_formula
    from sapiens_mm.models.backbones.sapiens_vit import SAPIENS_ARCHS, SapiensViT
    rows = readme_backbone_rows()
    assert set(rows) == {a for a in SAPIENS_ARCHS if a.startswith('sapiens_')}, sorted(rows)
    for arch, (params_cell, macs_cell) in rows.items():
        with torch.device('meta'):
            model = SapiensViT(arch=arch, img_size=(1024, 768))
        params = count_parameters(model)
        printed = int(re.match(r'[\d,]+', params_cell).group(0).replace(',', ''))
        assert printed == params, f'{arch}: README {params_cell}, counted {params:,}'
        # the counter on the tiny model; the full sizes by the closed form, which
        # tests/test_analysis/test_complexity.py checks equals the counter (3 s less here)
        macs = count_macs(model, (1, 3, 1024, 768))['total'] if arch == 'sapiens_tiny' \
            else vit_macs_formula(arch, 64 * 48)['total']
        value, unit = re.match(r'([\d.]+) ([TG])', macs_cell).groups()
        scale = dict(T=1e12, G=1e9)[unit]
        assert float(value) == pytest.approx(macs / scale, abs=0.006), \
            f'{arch}: README {macs_cell}, counted {macs / scale:.3f} {unit}'
