"""Build hook: the wheel carries what `selbuild build` compiles from.

The runtime sources, toolchain modules, SConstruct and the config schema live
at the top of the repository (where the SCons build and the C tests read
them); build_py copies them into the wheel as package data under
selbuild/_data/, which selbuild/__init__.py finds with importlib.resources
when there is no checkout beside the package. The sdist carries them through
MANIFEST.in. Editable installs copy nothing: they read the checkout itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DATA_DIRS = ("runtime_src", "toolchains")
DATA_FILES = ("SConstruct", "configs/schema.json")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".sconsign*")


class build_py_with_data(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        dst = Path(self.build_lib) / "selbuild" / "_data"
        if dst.exists():
            shutil.rmtree(dst)
        for d in DATA_DIRS:
            shutil.copytree(HERE / d, dst / d, ignore=IGNORE)
        for f in DATA_FILES:
            (dst / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(HERE / f, dst / f)


setup(cmdclass={"build_py": build_py_with_data})
