"""The one error hierarchy of selbuild.

Every failure a user can cause (bad model, bad config, missing toolchain, a
failed build or run) is a SelbuildError carrying a message and, where it helps,
a hint saying what to do. Only the CLI catches it: it prints `error: <message>`
and `hint: <hint>` and exits with `exit_code`.
"""

from __future__ import annotations


class SelbuildError(Exception):
    """Base class: message + optional hint; the CLI exits with `exit_code`."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class CatalogueError(SelbuildError):
    """The kernel catalogue (runtime_src/kernels/kernels.yaml) or what is derived
    from it is inconsistent. That is selbuild's own mistake, not the user's: the
    CLI reports it as an internal error (exit 3), and no fallback swallows it."""

    exit_code = 3


class UsageError(SelbuildError):
    """Wrong arguments, missing files given on the command line."""


class ModelError(SelbuildError):
    """A model file that cannot be read: not a model, corrupt, unsupported format."""


class UnsupportedError(SelbuildError):
    """A valid model that uses something selbuild cannot convert or run yet."""


class ConfigError(SelbuildError):
    """A build config that is malformed or does not match its models.

    `problems` lists every problem found (the CLI prints them all), each as
    (yaml_path, message).
    """

    def __init__(self, message: str, hint: str | None = None,
                 problems: list[tuple[str, str]] | None = None):
        super().__init__(message, hint)
        self.problems = list(problems or [])


class ToolchainError(SelbuildError):
    """A target whose compiler, linker or sysroot is not installed."""


class BuildError(SelbuildError):
    """SCons or the compiler failed; the hint carries the command to reproduce."""


class RunError(SelbuildError):
    """A program failed to load or run, or inputs do not match the model."""


class ProgramError(SelbuildError):
    """A .selrt program file that is corrupt or of another version."""


class SizeError(SelbuildError):
    """An artifact the size report cannot read, or a bad baseline."""


class PackageError(SelbuildError):
    """Packaging (AAR, XCFramework) failed or its inputs are missing."""


class GateFailed(SelbuildError):
    """A size gate was exceeded. Distinct exit status from usage errors."""

    exit_code = 1
