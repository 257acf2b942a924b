"""One error type at the command-line boundary: one line on stderr, and an exit code.

0 success, 1 a wrong answer (check) or a diverging run (train), 2 bad input
(a one-line ``FILE:LINE:COL: ...`` message), 3 an internal error: one line
asking for a report, the traceback only with ``--debug``.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import typer

from gradwork.documents.escape import one_line as terminal_line
from gradwork.documents import limits
from gradwork.documents.limits import NAMES
from gradwork.documents.errors import GradworkError

EXIT_OK, EXIT_WRONG, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class CommandError(Exception):
    """Bad input found by a command: ``str(error)`` is the one line to print; exit 2 (or ``code``)."""

    def __init__(self, message: str, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


def one_line(message: str) -> str:
    """The message on one line, for a terminal: control characters (ESC ...) shown as escapes, never sent."""
    return terminal_line(message)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print ``message`` as one line on stderr and exit with ``code`` (2, bad input)."""
    sys.stderr.write(one_line(message) + "\n")
    raise typer.Exit(code)


def run_guarded(run: Callable[[list[str], bool], Any], args: Sequence[str] | None, standalone: bool) -> Any:
    """Run the click command line ``run(argv, standalone=False)`` and turn whatever escapes into an exit code.

    ``--debug`` and ``--max-NAME N`` are taken out of ``args`` here (so they work
    before or after the command name); the limits apply while the command runs.
    """
    usage_error: type[Any] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")  # typer's click

    argv = list(sys.argv[1:] if args is None else args)
    debug, argv = _take_debug(argv)
    code: int
    try:
        changes, argv = _take_limits(argv)
        with limits.using(None, **changes):
            result = run(argv, False)
        code = result if isinstance(result, int) else EXIT_OK
        _flush_stdout()
    except usage_error as error:
        if type(error).__name__ == "NoArgsIsHelpError" and getattr(error, "ctx", None) is not None:
            typer.echo(error.ctx.get_help())  # `gradwork` alone: the help
            code = EXIT_OK
        else:
            sys.stderr.write(_usage_line(error) + "\n")
            code = EXIT_BAD_INPUT
    except typer.Exit as error:  # raised outside the command's own handling (eager options)
        code = error.exit_code
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("interrupted\n")
        code = 130
    except CommandError as error:
        sys.stderr.write(one_line(str(error)) + "\n")
        code = error.code
    except OSError as error:
        code = _os_error(error, debug)
    except Exception as error:  # noqa: BLE001 (the boundary: nothing else may print a traceback)
        code = _gradwork_error(error, debug)
    if standalone:
        sys.exit(code)
    return code


def _take_debug(argv: list[str]) -> tuple[bool, list[str]]:
    end = argv.index("--") if "--" in argv else len(argv)
    debug = "--debug" in argv[:end]
    return debug, [a for i, a in enumerate(argv) if not (i < end and a == "--debug")]


def _take_limits(argv: list[str]) -> tuple[dict[str, int], list[str]]:
    """``--max-NAME N`` / ``--max-NAME=N`` anywhere before ``--``, for every limit of gradwork.documents.limits."""
    options = {"--max-" + name.replace("_", "-"): name for name in NAMES}
    changes: dict[str, int] = {}
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        option, _, value = arg.partition("=")
        if option.startswith("--max-"):
            if option not in options:
                raise CommandError(f"{option}: unknown limit (expected one of: {', '.join(options)})")
            if not _:
                if i + 1 >= len(argv):
                    raise CommandError(f"{option}: needs a number (expected {option} N)")
                value = argv[i + 1]
                i += 1
            try:
                number = int(value.replace("_", ""))
            except ValueError:
                number = 0
            if number <= 0:
                raise CommandError(f"{option}: {value!r} is not a positive whole number (expected {option} N)")
            changes[options[option]] = number
        else:
            rest.append(arg)
        i += 1
    return changes, rest


def _usage_line(error: Any) -> str:
    context = getattr(error, "ctx", None)
    where = context.command_path if context is not None else "gradwork"
    param = getattr(error, "param", None)
    if isinstance(error, typer.BadParameter) and param is not None and type(error).__name__ == "BadParameter":
        if getattr(param, "param_type_name", "") == "argument" or not getattr(param, "opts", None):
            name = param.human_readable_name
        else:
            name = param.opts[0]
        message = f"{name}: {error.message}"
    else:
        message = error.format_message()
    return one_line(f"{message} (see `{where} --help`)")


def _flush_stdout() -> None:
    sys.stdout.flush()


def _os_error(error: OSError, debug: bool) -> int:
    if error.errno == errno.EPIPE:  # the reader went away (`gradwork solve p.yaml | head`): nothing to say
        _silence_stdout()
        return EXIT_OK
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EACCES, errno.EPERM):
        where = f"{error.filename}: " if error.filename else "standard output: "
        sys.stderr.write(f"{where}cannot write ({error.strerror or error})\n")
        if debug:
            import traceback

            traceback.print_exception(error)
        _silence_stdout()
        return EXIT_BAD_INPUT
    return _internal(error, debug)


def _silence_stdout() -> None:
    # Whatever is still buffered cannot be written; point stdout at /dev/null so exit does not try again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _gradwork_error(error: Exception, debug: bool) -> int:
    """Bad input that a library call refused with its own error type (one line, exit 2); anything else is a bug."""
    if isinstance(error, GradworkError):
        sys.stderr.write(one_line(str(error)) + "\n")
        if debug:
            import traceback

            traceback.print_exception(error)
        return EXIT_BAD_INPUT
    return _internal(error, debug)


def _internal(error: BaseException, debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exception(error)
    reason = one_line(str(error)) or "(no message)"
    if len(reason) > 300:
        reason = reason[:300] + "..."
    sys.stderr.write(f"gradwork: internal error: {type(error).__name__}: {reason} "
                     f"(please report this bug with the input that caused it; --debug shows the traceback)\n")
    return EXIT_INTERNAL
