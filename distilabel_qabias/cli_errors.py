"""How the ``qabias`` CLI ends on an error: a user mistake is one line and a non-zero exit; a bug is a
traceback without local variables (they may hold a token or rows) with token-like text masked; SIGTERM
unwinds like Ctrl-C so every cleanup runs.
"""

from __future__ import annotations

import signal
import sys
from contextlib import contextmanager
from typing import Any, Iterator

import typer
from rich.console import Console
from rich.markup import escape

from distilabel_qabias.errors import QABiasError


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so every ``finally``/cleanup runs (temp files, the push message)."""


@contextmanager
def user_errors(console: Console) -> Iterator[None]:
    """Every mistake a user can make ends here: one line, non-zero exit, no traceback.

    Anything else is a bug: its traceback is printed without local variables (they may hold the
    token or rows), with any token-like text masked.
    """
    previous = on_sigterm_raise()
    try:
        yield
    except QABiasError as err:
        console.print(f"[bold red]Error:[/] {escape(str(err))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except Terminated:
        console.print("[bold red]Terminated.[/]")
        raise typer.Exit(143) from None
    except KeyboardInterrupt:
        console.print("[bold red]Interrupted.[/]")
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as err:  # a bug in this package or a library: traceback without locals
        print_bug(err, console)
        raise typer.Exit(2) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def on_sigterm_raise() -> Any:
    def terminate(signum: int, frame: Any) -> None:
        raise Terminated()

    try:
        return signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread: leave signals alone
        return None


def print_bug(err: BaseException, console: Console) -> None:
    from rich.traceback import Traceback

    from huggingface_hub import get_token

    from distilabel_qabias.hub import redact_secrets

    capture = Console(stderr=True, width=console.width, force_terminal=console.is_terminal)
    with capture.capture() as captured:
        capture.print(Traceback.from_exception(type(err), err, err.__traceback__, show_locals=False, max_frames=8))
    sys.stderr.write(redact_secrets(captured.get(), get_token()))
    console.print(f"[bold red]Internal error[/] (a bug, please report it): {escape(type(err).__name__)}",
                  highlight=False)
