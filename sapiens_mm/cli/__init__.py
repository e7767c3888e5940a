"""The command-line programs: each module has a ``main(argv=None)`` that returns an exit code.

They are the console commands of the installed package (``sapiens-train``, ``sapiens-test``,
``sapiens-infer``, ... in ``setup.py``) and the bodies of the checkout's ``tools/*.py``, which
only call them (``python tools/train.py CONFIG`` keeps working, as mmpose users expect).
Nothing here is imported by the rest of the package.
"""
