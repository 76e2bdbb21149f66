"""The commands' progress bar: a few lines in a log however many rows report, redrawn in place
on a terminal, and the last step never lost."""

import io

from ojodeagua.lib.progressbar import WIDTH, TerminalBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_a_line_each_time_the_bar_grows_not_one_per_row():
    log = io.StringIO()
    bar = TerminalBar(log)
    for done in range(10_001):
        bar(done, 10_000, "filas")
    lines = log.getvalue().splitlines()
    assert len(lines) == WIDTH + 1
    assert lines[0] == "[" + "-" * WIDTH + "] 0/10000 filas"
    assert lines[-1] == "[" + "#" * WIDTH + "] 10000/10000 filas"
    # Finished once: a repeated last step writes nothing more.
    bar(10_000, 10_000, "filas")
    assert len(log.getvalue().splitlines()) == WIDTH + 1


def test_a_terminal_is_redrawn_in_place_and_ends_with_one_line():
    now = [0.0]
    terminal = Terminal()
    bar = TerminalBar(terminal, clock=lambda: now[0])
    bar(0, 4, "uno")
    bar(0, 4, "dos")  # same width, too soon: not redrawn
    now[0] += 1
    bar(0, 4, "tres")  # a new label after a while is
    bar(2, 4, "cuatro")
    bar(4, 4, "listo")
    drawn = terminal.getvalue()
    assert drawn.count("\r\033[K") == 4 and "dos" not in drawn and "tres" in drawn
    assert drawn.endswith("] 4/4 listo\n") and drawn.count("\n") == 1


def test_clear_wipes_an_unfinished_bar_and_the_next_step_draws_it_again():
    terminal = Terminal()
    bar = TerminalBar(terminal)
    bar(1, 3, "a")
    bar.clear()
    terminal.write("hallazgo\n")
    bar(1, 3, "a")
    assert terminal.getvalue().endswith(
        "\r\033[Khallazgo\n\r\033[K[" + "#" * 10 + "-" * 20 + "] 1/3 a"
    )


def test_nothing_to_do_is_a_full_bar():
    log = io.StringIO()
    TerminalBar(log)(0, 0, "nada")
    assert log.getvalue() == "[" + "#" * WIDTH + "] 0/0 nada\n"
