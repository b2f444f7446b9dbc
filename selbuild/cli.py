"""Command-line entry point: parsing and rendering only.

Each subcommand lives in selbuild/commands/<name>.py and exposes a click
command named `command`; modules are imported only when their command runs,
so `selbuild --help` stays fast and a command's heavy imports (LIEF, numpy,
torch) cost nothing elsewhere.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from selbuild import __version__
from selbuild.errors import CatalogueError, ConfigError, SelbuildError

# command name -> (module, one-line help shown by `selbuild --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "analyze": ("selbuild.commands.analyze", "List the operators, dtypes and delegates models need."),
    "config": ("selbuild.commands.config", "Write (init) or validate (check) a build config."),
    "convert": ("selbuild.commands.convert", "Compile a model ahead of time into a .selrt program."),
    "build": ("selbuild.commands.build", "Compile the stripped runtime of a config for its targets."),
    "run": ("selbuild.commands.run", "Run a model or program on the built runtime (host or qemu)."),
    "size": ("selbuild.commands.size", "Report binary size per operator; diff and gate."),
    "package": ("selbuild.commands.package", "Package built runtimes as an AAR or XCFramework."),
    "doctor": ("selbuild.commands.doctor", "Show which targets this machine can build, and how to add the rest."),
    "ops": ("selbuild.commands.ops", "List the kernel catalogue."),
    "demo": ("selbuild.commands.demo", "Analyze the bundled models, build every available target, print sizes."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[name][0])
        return module.command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="selbuild")
def cli() -> None:
    """selbuild: the smallest runtime that runs your models."""


def print_error(err: SelbuildError) -> None:
    click.echo(f"error: {err.message}", err=True)
    if isinstance(err, ConfigError):
        for where, what in err.problems:
            click.echo(f"  {where}: {what}", err=True)
    if err.hint:
        click.echo(f"hint: {err.hint}", err=True)


def main(argv: list[str] | None = None) -> None:
    from selbuild.planning import command_scope   # here: `selbuild --help` stays light
    try:
        with command_scope():       # each model is read and parsed once per command
            cli.main(args=argv, prog_name="selbuild", standalone_mode=False)
    except CatalogueError as err:   # kernels.yaml itself is wrong: selbuild's bug, not the user's
        _internal_error(err)
    except SelbuildError as err:
        print_error(err)
        sys.exit(err.exit_code)
    except click.exceptions.Abort:
        click.echo("error: aborted", err=True)
        sys.exit(130)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.exceptions.NoArgsIsHelpError as e:   # bare `selbuild` / `selbuild config`: the help
        e.show()
        sys.exit(2)
    except click.ClickException as e:
        print_click_error(e)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except OSError as e:
        if e.filename is None:          # not about a file the user named: a bug, below
            _internal_error(e)
        # A path the user gave that the OS refuses (permissions, not a directory, disk full):
        # the user's to fix, so an error like any other, not a traceback.
        where = e.filename if e.filename2 is None else f"{e.filename} -> {e.filename2}"
        click.echo(f"error: {where}: {e.strerror or e}", err=True)
        sys.exit(2)
    except Exception as e:  # a bug in selbuild, not the user's fault
        _internal_error(e)
    sys.exit(0)


def print_click_error(e: click.ClickException) -> None:
    """Click's own errors (bad option, missing argument, a path that does not
    exist) in selbuild's form: one `error:` line, then where to read the usage."""
    click.echo(f"error: {e.format_message()}", err=True)
    ctx = getattr(e, "ctx", None)
    if ctx is not None:
        click.echo(f"hint: see `{ctx.command_path} --help`", err=True)


def _internal_error(e: BaseException) -> None:
    if os.environ.get("SELBUILD_DEBUG"):
        raise e
    click.echo(f"internal error: {type(e).__name__}: {e}", err=True)
    click.echo("hint: this is a bug in selbuild; rerun with SELBUILD_DEBUG=1 for a traceback", err=True)
    sys.exit(3)
