"""Write a benchmark's markdown table into a shared results file, replacing only its section.

Each benchmark script owns the text between ``<!-- begin NAME -->`` and ``<!-- end NAME -->``
of the file (e.g. ``docs/benchmarks.md``); other sections and hand-written text are kept. A
missing file or section is created (a new section is appended).
"""
import os
import re

def load_average() -> str:
    """The 1, 5 and 15 minute load averages as text ('n/a' where /proc is missing)."""
    try:
        with open('/proc/loadavg') as f:
            return ' '.join(f.read().split()[:3])
    except OSError:
        return 'n/a'


HEADER = '# Benchmarks\n\nWritten by the scripts in `tools/benchmark/`; see the README.\n'


def write_section(path: str, name: str, text: str) -> None:
    """Replace (or append) section ``name`` of the markdown file ``path`` with ``text``."""
    begin, end = f'<!-- begin {name} -->', f'<!-- end {name} -->'
    block = f'{begin}\n{text.rstrip()}\n{end}'
    old = HEADER
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
    pattern = re.compile(re.escape(begin) + r'.*?' + re.escape(end), re.S)
    if pattern.search(old):
        new = pattern.sub(lambda _: block, old)
    else:
        new = old.rstrip() + '\n\n' + block + '\n'
    os.makedirs(os.path.dirname(os.path.abspath(path)) or '.', exist_ok=True)
    with open(path, 'w') as f:
        f.write(new if new.endswith('\n') else new + '\n')


def publish(report: dict, table: str, section: str, markdown_path=None, json_path=None,
            logger=None) -> None:
    """Print ``table``; write it as ``section`` of ``markdown_path`` and ``report`` as JSON to
    ``json_path`` when given (the common ending of every benchmark script)."""
    import json
    print(table)
    if markdown_path:
        write_section(markdown_path, section, table)
        if logger:
            logger.info(f'wrote {markdown_path}')
    if json_path:
        os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
        with open(json_path, 'w') as f:
            json.dump(report, f, indent=1)
        if logger:
            logger.info(f'wrote {json_path}')
