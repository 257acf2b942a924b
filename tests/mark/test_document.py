"""Splitting a worked solution into rows, chains and sides."""

from __future__ import annotations

from gradwork.mark.document import read_work


def texts(chain):
    return [side.text for side in chain.sides]


def test_a_chain_is_cut_at_every_equals_sign_outside_brackets():
    work = read_work("intro\n\n$$H = f(X, a = 0.01) = [1, 2]$$\n")
    assert texts(work.chains[0]) == ["H", "f(X, a = 0.01)", "[1, 2]"]
    assert work.chains[0].rows[0].line == 3


def test_aligned_rows_continue_one_chain_and_keep_their_lines():
    work = read_work("$$\\begin{aligned} J &= -\\log 0.6 \\\\\n &= 0.51 \\end{aligned}$$")
    assert texts(work.chains[0]) == ["J", "-\\log 0.6", "0.51"]
    assert [row.line for row in work.chains[0].rows] == [1, 1, 2]


def test_a_display_block_starting_with_equals_continues_the_chain_before():
    work = read_work("$$z_2 = i_1 w_3$$\n\n$$= 1 * 0.5 = 0.5$$\n")
    assert len(work.chains) == 1 and texts(work.chains[0])[-1] == "0.5"


def test_a_matrix_over_several_blocks_is_one_side():
    work = read_work("$$W_2 = [[1, 2],$$\n\n$$[3, 4]]^T$$\n")
    assert len(work.chains) == 1 and work.chains[0].sides[1].read


def test_quad_separates_equations_and_notes_are_skipped():
    work = read_work("$$a = 1, \\quad b = 2 \\quad \\text{over } W_1$$")
    assert [texts(c) for c in work.chains] == [["a", "1"], ["b", "2"]]


def test_matrix_rows_do_not_cut_rows_and_labels_are_dropped():
    work = read_work("$$\\textcircled{1} \\quad h = \\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}$$")
    assert texts(work.chains[0])[0] == "h" and work.chains[0].sides[1].read


def test_an_unreadable_side_says_why():
    work = read_work("$$a_1 = \\begin{cases} 0 & z \\end{cases}$$")
    assert not work.chains[0].sides[1].read and "cases" in work.chains[0].sides[1].error
