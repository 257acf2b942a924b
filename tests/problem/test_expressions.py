"""The safe expression language: the whitelist, positions, and evaluation into engine ops."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from gradwork.backends import get_backend
from gradwork.problem.expressions import EvaluationContext, ExpressionError, parse_expression
from gradwork.tensor import Tensor

FLOAT = EvaluationContext(get_backend("float"))


def refused(text, variables=("x", "y")):
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text, variables)
    return caught.value


@pytest.mark.parametrize("text, fragment, column", [
    ("x.__class__", "attribute access `.__class__` is not allowed", 2),
    ("x.real + 1", "attribute access `.real` is not allowed", 2),
    ("y.T.shape", "attribute access `.shape`", 4),
    ("__import__('os')", "the name '__import__' is not allowed", 0),
    ("_secret + 1", "the name '_secret' is not allowed", 0),
    ("x + __builtins__", "the name '__builtins__' is not allowed", 4),
    ("foo(x)", "unknown function 'foo'", 0),
    ("eval('1')", "unknown function 'eval'", 0),
    ("open(x)", "unknown function 'open'", 0),
    ("(lambda: x)()", "only the listed functions can be called", 0),
    ("x.T(1)", "only the listed functions can be called", 0),
    ("lambda: 1", "a lambda is not allowed", 0),
    ("[i for i in x]", "a comprehension is not allowed", 0),
    ("sum(i for i in x)", "a generator expression is not allowed", 3),
    ("{k: 1 for k in x}", "a comprehension is not allowed", 0),
    ("x if y else 1", "a conditional expression is not allowed", 0),
    ("x < y", "a comparison is not allowed", 0),
    ("x and y", "`and`/`or` is not allowed", 0),
    ("x + 'a'", "a string is not allowed", 4),
    ("x + True", "`True` is not allowed", 4),
    ("x + None", "`None` is not allowed", 4),
    ("x + 1j", "a complex number is not allowed", 4),
    ("x // 2", "// (floor division) is not allowed", 0),
    ("x % 2", "% (modulo) is not allowed", 0),
    ("x ^ 2", "^ (use ** for powers) is not allowed", 0),
    ("~x", "~ is not allowed", 0),
    ("(x := 1)", "an assignment (:=) is not allowed", 1),
    ("[x, y]", "a list is not allowed", 0),
    ("x, y", "a tuple is not allowed", 0),
    ("f'{x}'", "an f-string is not allowed", 0),
    ("x[y]", "an index must be a whole-number literal", 2),
    ("x[0.5]", "an index must be a whole number", 2),
    ("x[[1, y]]", "a gather takes whole-number literals", 6),
    ("exp(*x)", "unpacking (*) is not allowed", 4),
    ("exp(**x)", "unpacking (**) is not allowed", 6),
    ("exp(x, y)", "exp() takes 1 argument, not 2", 0),
    ("leaky_relu(x, y)", "leaky_relu()'s alpha must be a number written out", 14),
    ("leaky_relu(x, beta=2)", "leaky_relu() has no option 'beta'", 19),
    ("sum(x, axis=0.5)", "sum()'s axis must be a whole number", 12),
    ("max(x, y, 1)", "max() takes 1 to 2 arguments, not 3", 0),
    ("exp + 1", "'exp' is a function and must be called", 0),
    ("x + z", "unknown name 'z'", 4),
    ("x +* 2", "invalid expression syntax", 3),
    ("x +", "invalid expression syntax", 3),
    ("", "the expression is empty", 0),
])
def test_refused_with_message_and_column(text, fragment, column):
    error = refused(text)
    assert fragment in error.message
    assert (error.line, error.column) == (1, column)


def test_leading_spaces_and_unicode_names_keep_character_columns():
    assert refused("   x + q").column == 7
    assert refused("αβ + zz", ("αβ",)).column == 5


def test_long_or_deep_expressions_are_refused_not_crashing():
    assert "longer than" in refused("x + " * 5000 + "x").message
    deep = refused("(" * 300 + "x" + ")" * 300)
    assert deep.message.startswith(("invalid expression syntax", "the expression cannot be parsed"))


def test_names_are_listed_with_positions_without_function_names():
    expression = parse_expression("-(log(y[0]) + log(1 - y[1])) / 2", {"y", "t"})
    assert [(use.name, use.column) for use in expression.names] == [("y", 6), ("y", 22)]


def test_evaluation_builds_engine_ops_and_gradients():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    result = parse_expression("sum(x**2 * 3) / 2").evaluate({"x": x}, FLOAT)
    assert result.op.name == "div" and result.inputs[0].op.name == "sum"
    assert result.item() == pytest.approx(21.0)
    result.backward()
    np.testing.assert_allclose(x.grad, [3.0, 6.0, 9.0])


@pytest.mark.parametrize("text, expected", [
    ("x[0]", 1.0),
    ("x[-1]", 3.0),
    ("x[1:3]", [2.0, 3.0]),
    ("x[[2, 0, 0]]", [3.0, 1.0, 1.0]),
    ("M[1, 0]", 3.0),
    ("M.T", [[1.0, 3.0], [2.0, 4.0]]),
    ("M @ v", [5.0, 11.0]),
    ("matmul(M, v)", [5.0, 11.0]),
    ("max(x)", 3.0),
    ("min(x)", 1.0),
    ("max(M, axis=1)", [2.0, 4.0]),
    ("max(x, 2)", [2.0, 2.0, 3.0]),  # two operands: the elementwise max gate, not an axis
    ("min(x, 4 - x)", [1.0, 2.0, 1.0]),
    ("max(M, v)", [[1.0, 2.0], [3.0, 4.0]]),
    ("mean(x)", 2.0),
    ("sum(M, axis=0)", [4.0, 6.0]),
    ("sum(M, 1)", [3.0, 7.0]),
    ("-x + +x", [0.0, 0.0, 0.0]),
    ("leaky_relu(-x, 0.1)", [-0.1, -0.2, -0.3]),
    ("leaky_relu(-x)", [-0.01, -0.02, -0.03]),
    ("relu(x - 2)", [0.0, 0.0, 1.0]),
    ("abs(-x)", [1.0, 2.0, 3.0]),
    ("sqrt(x * x)", [1.0, 2.0, 3.0]),
    ("log(exp(x))", [1.0, 2.0, 3.0]),
    ("sigmoid(0 * x)", [0.5, 0.5, 0.5]),
    ("tanh(0 * x)", [0.0, 0.0, 0.0]),
    ("softmax(0 * x)", [1 / 3, 1 / 3, 1 / 3]),
    ("2 ** x", [2.0, 4.0, 8.0]),
    ("half_sse(x, x + 1)", 1.5),
    ("bce(sigmoid(0 * v), v * 0 + 1)", 0.6931471805599453),
])
def test_evaluation_values(text, expected):
    env = {"x": Tensor([1.0, 2.0, 3.0], requires_grad=True), "M": Tensor([[1.0, 2.0], [3.0, 4.0]]),
           "v": Tensor([1.0, 2.0])}
    np.testing.assert_allclose(parse_expression(text).evaluate(env, FLOAT).data, expected, rtol=1e-12)


def test_max_gate_routes_the_gradient_to_the_larger_operand_first_on_ties():
    a = Tensor([3.0, 1.0, 2.0], requires_grad=True)
    b = Tensor([1.0, 5.0, 2.0], requires_grad=True)
    out = parse_expression("max(a, b) + 10 * min(a, b)").evaluate({"a": a, "b": b}, FLOAT)
    np.testing.assert_allclose(out.data, [13.0, 15.0, 22.0])
    out.backward(np.ones(3))
    # max: a wins at 0, b at 1, the tie at 2 goes to a; min (times 10): b, a, a.
    np.testing.assert_allclose(a.grad, [1.0, 10.0, 11.0])
    np.testing.assert_allclose(b.grad, [10.0, 1.0, 0.0])


def test_gather_gradient_routes_back_and_adds_repeats():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    parse_expression("sum(x[[2, 0, 0]])").evaluate({"x": x}, FLOAT).backward()
    np.testing.assert_allclose(x.grad, [2.0, 0.0, 1.0])


def test_relu_gradient_at_zero_follows_the_context():
    for at_zero in (0, 0.5, 1):
        x = Tensor([0.0], requires_grad=True)
        parse_expression("sum(relu(x))").evaluate({"x": x}, EvaluationContext(get_backend("float"), at_zero)).backward()
        assert x.grad[0] == at_zero


def test_exact_mode_literals_are_the_decimals_as_written():
    exact = get_backend("exact")
    x = Tensor(exact.asarray([3]), requires_grad=True, backend=exact)
    result = parse_expression("0.1 * x + 1.05").evaluate({"x": x}, EvaluationContext(exact))
    assert result.data.tolist() == [Fraction(27, 20)]


def test_exact_mode_refuses_huge_exponents():
    exact = get_backend("exact")
    x = Tensor(exact.asarray([2]), backend=exact)
    with pytest.raises(ExpressionError) as caught:
        parse_expression("x ** 10**9").evaluate({"x": x}, EvaluationContext(exact))
    assert "exponent is larger than" in caught.value.message and caught.value.column == 5


def test_evaluation_errors_point_at_the_failing_operation():
    env = {"a": Tensor([1.0, 2.0]), "b": Tensor([1.0, 2.0, 3.0])}
    with pytest.raises(ExpressionError) as caught:
        parse_expression("exp(a) + a @ b").evaluate(env, FLOAT)
    assert caught.value.message == "cannot compute `a @ b`: shapes [2] and [3] do not fit"
    assert caught.value.column == 9
    with pytest.raises(ExpressionError) as caught:
        parse_expression("a[5]").evaluate(env, FLOAT)
    assert "out of bounds" in caught.value.message


def test_exact_mode_irrational_function_says_what_to_do():
    exact = get_backend("exact")
    with pytest.raises(ExpressionError) as caught:
        parse_expression("1 + exp(a)").evaluate({"a": Tensor(exact.asarray([1]), backend=exact)},
                                                EvaluationContext(exact))
    assert "symbolic" in caught.value.message and caught.value.column == 4


@pytest.mark.parametrize("text", [r'"\o" + x', "2x + 1", r"x + '\d'"])
def test_python_parser_warnings_never_reach_stderr(text, recwarn):
    # A string literal with "\o" made Python print a DeprecationWarning (found by the expression fuzzer).
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        try:
            parse_expression(text)
        except ExpressionError:
            pass
    assert not [w for w in recwarn if issubclass(w.category, (SyntaxWarning, DeprecationWarning))]
