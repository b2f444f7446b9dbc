"""selbuild: analyze models, build the smallest runtime that runs them, report its size."""

from importlib import resources
from pathlib import Path

__version__ = "0.1.0"


def _source_root() -> Path:
    """Where runtime_src/, toolchains/, SConstruct and configs/schema.json are.

    A checkout has them beside the package (and the editable install points at
    it); an installed wheel ships them as package data in selbuild/_data/
    (setup.py's build hook). Either way a real directory: SCons runs in it and
    the C compiler reads its files, so a zipped install could not work."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "SConstruct").is_file() and (checkout / "runtime_src").is_dir():
        return checkout
    return Path(str(resources.files(__name__) / "_data"))


# The public API (selbuild/api.py): selbuild.analyze/build/convert/size, imported
# on first use so `import selbuild` stays cheap.
__all__ = ["analyze", "build", "convert", "size", "REPO_ROOT", "RUNTIME_SRC", "__version__"]


def __getattr__(name: str):
    if name in ("analyze", "build", "convert", "size"):
        import importlib
        return importlib.import_module(f"selbuild.{name}")
    raise AttributeError(f"module 'selbuild' has no attribute {name!r}")


# The source root: runtime sources, toolchains and the SConstruct.
REPO_ROOT = _source_root()
RUNTIME_SRC = REPO_ROOT / "runtime_src"
