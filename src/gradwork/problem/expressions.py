"""A safe expression language for graph nodes, formula activations and formula losses.

Expressions are Python syntax, parsed with :mod:`ast` and checked against a
whitelist; nothing is ever passed to ``eval``. Allowed:

* numbers, and names given by the caller (inputs, params, earlier nodes; or
  ``x`` in an activation, ``y`` and ``t`` in a loss);
* ``+ - * / ** @``, unary ``-`` and ``+``, parentheses;
* ``.T`` (transpose), indexing ``x[0]``, ``x[1, 0]``, ``x[-1]``, slices
  ``x[1:3]`` and gathers ``x[[2, 4, 3, 0, 1]]`` with whole-number literals;
* the functions in :data:`FUNCTIONS` (exp, log, sqrt, abs, sum, mean, max,
  min, sigmoid, tanh, relu, leaky_relu(x, alpha), softmax, matmul, ...): every
  registered elementwise function and activation (options from the op), the
  losses, and a few specials; ``max(x)``/``min(x)`` reduce (axis as a keyword),
  ``max(a, b)``/``min(a, b)`` of two operands are the elementwise gates.

Anything else (attribute access other than ``.T``, calls of other functions,
lambdas, comprehensions, comparisons, strings, names starting with ``_``) is
an :class:`ExpressionError` carrying the line and column inside the text.

Evaluation turns every syntax node into one engine op (``apply("add", ...)``,
``functional.sigmoid(...)``), so the result is an ordinary graph that
backward, the explainers and the graph drawings walk.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gradwork import functional as F
from gradwork.backends import Backend, BackendError
from gradwork.ops import RegistryTable, ops_of_kind
from gradwork.documents import limits
from gradwork.problem.numbers import NumberError, leaf
from gradwork.tensor import Tensor, apply

MAX_LENGTH = limits.DEFAULT.expression_length  # the default; limits.current() is what is checked
MAX_EXPONENT = 1024  # in exact/symbolic mode x ** 10**9 would never finish

ALLOWED_SYNTAX = "numbers, names, + - * / ** @, unary -, .T, indexing x[i], x[i, j], x[[i, j, ...]] and the functions"


class ExpressionError(ValueError):
    """A bad expression; ``line`` is 1-based and ``column`` 0-based, both inside the expression text."""

    def __init__(self, message: str, expected: str = "", line: int = 1, column: int = 0) -> None:
        super().__init__(message)
        self.message, self.expected, self.line, self.column = message, expected, line, column


@dataclass(frozen=True)
class Function:
    """A function callable in expressions: ``tensors`` tensor arguments, then numeric ``options``."""

    name: str
    tensors: int
    options: tuple[tuple[str, Any], ...]  # (name, default) for literal-number arguments
    call: Callable[..., Tensor]  # call(*tensors, context, **options)
    integer_options: bool = False  # options are axes (whole numbers), not values


def _unary(function: Callable[[Tensor], Tensor]) -> Callable[..., Tensor]:
    return lambda x, context: function(x)


def _loss(name: str) -> Callable[..., Tensor]:
    return lambda y, t, context, **values: apply(name, y, t, reduction="mean", **values)


def _registered(name: str) -> Callable[..., Tensor]:
    return lambda x, context, **values: apply(name, x, **values)


def _functions() -> dict[str, Function]:
    """The whitelist: every registered elementwise function and activation, the losses, and a few specials."""
    table: dict[str, Function] = {}
    for op in ops_of_kind("function", "activation"):
        if op.elementwise and op.arity == 1:
            options = tuple((o.name, Decimal(o.default)) for o in op.options)
            table[op.name] = Function(op.name, 1, options, _registered(op.name))
    table.update({f.name: f for f in [
        *(Function(name, 1, (), _unary(fn)) for name, fn in [
            ("transpose", F.transpose), ("identity", lambda x: x), ("square", lambda x: x ** 2),
        ]),
        # ReLU's gradient at exactly 0 is the problem's convention (relu_grad_at_zero).
        Function("relu", 1, (), lambda x, context: F.relu(x, at_zero=context.relu_at_zero)),
        Function("softmax", 1, (("axis", -1),), lambda x, context, axis: F.softmax(x, axis=axis), True),
        Function("log_softmax", 1, (("axis", -1),), lambda x, context, axis: F.log_softmax(x, axis=axis), True),
        # The outer lambda is called at once, binding each fn (not B023's late binding).
        *(Function(name, 1, (("axis", None),), (lambda fn: lambda x, context, axis: fn(x, axis=axis))(fn), True)  # noqa: B023
          for name, fn in [("sum", F.sum), ("mean", F.mean), ("max", F.max), ("min", F.min)]),
        Function("matmul", 2, (), lambda a, b, context: F.matmul(a, b)),
        *(Function(op.name, 2, tuple((o.name, Decimal(o.default)) for o in op.options), _loss(op.name))
          for op in ops_of_kind("loss")),
    ]})
    return table


FUNCTIONS: Mapping[str, Function] = RegistryTable(_functions)

# max/min of two operands are the elementwise gates (max(z, w)); of one operand they reduce (max(x)).
_PAIRWISE: dict[str, Function] = {
    "max": Function("max", 2, (), lambda a, b, context: F.maximum(a, b)),
    "min": Function("min", 2, (), lambda a, b, context: F.minimum(a, b)),
}


def _function(node: ast.Call) -> Function | None:
    """The function a (checked) call names: max(a, b) of two positional operands is the gate."""
    name = node.func.id  # type: ignore[attr-defined]
    if name in _PAIRWISE and len(node.args) == 2 and not node.keywords:
        return _PAIRWISE[name]
    return FUNCTIONS.get(name)


_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow", ast.MatMult: "matmul"}

_REFUSED = {
    ast.Lambda: "a lambda", ast.ListComp: "a comprehension", ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension", ast.GeneratorExp: "a generator expression", ast.Compare: "a comparison",
    ast.BoolOp: "`and`/`or`", ast.IfExp: "a conditional expression", ast.Dict: "a dict", ast.Set: "a set",
    ast.JoinedStr: "an f-string", ast.NamedExpr: "an assignment (:=)", ast.Starred: "unpacking (*)",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Tuple: "a tuple", ast.List: "a list",
    ast.FloorDiv: "// (floor division)", ast.Mod: "% (modulo)", ast.BitAnd: "&", ast.BitOr: "|",
    ast.BitXor: "^ (use ** for powers)", ast.LShift: "<<", ast.RShift: ">>", ast.Invert: "~", ast.Not: "`not`",
}


def function_list() -> str:
    return ", ".join(FUNCTIONS)


@dataclass(frozen=True)
class NameUse:
    """A name read by an expression, with where it stands (1-based line, 0-based column)."""

    name: str
    line: int
    column: int


@dataclass
class EvaluationContext:
    backend: Backend
    relu_at_zero: Any = 0


class Expression:
    """A parsed, whitelisted expression; :meth:`evaluate` builds it from engine ops."""

    def __init__(self, text: str, tree: ast.Expression, lines: list[str], offset: int) -> None:
        self.text = text
        self.tree = tree
        self._lines = lines
        self._offset = offset  # characters stripped from the front of the first line
        called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
        self.names: tuple[NameUse, ...] = tuple(
            NameUse(node.id, *self.position(node))
            for node in sorted((n for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called),
                               key=lambda n: (n.lineno, n.col_offset))
        )

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    @property
    def single_name(self) -> str | None:
        """The name, when the whole expression is one name (an alias such as ``y: z2``)."""
        return self.tree.body.id if isinstance(self.tree.body, ast.Name) else None

    def position(self, node: ast.AST) -> tuple[int, int]:
        """Line (1-based) and column (0-based, in characters) of ``node`` in the original text.

        For an attribute (``x.foo``) it is the attribute's name, the part that is wrong.
        """
        if isinstance(node, ast.Attribute) and node.end_col_offset is not None:
            line, byte_column = node.end_lineno or 1, node.end_col_offset - len(node.attr.encode("utf-8"))
        else:
            line, byte_column = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
        encoded = self._lines[line - 1].encode("utf-8")
        column = len(encoded[:byte_column].decode("utf-8", errors="replace"))
        return line, column + (self._offset if line == 1 else 0)

    def error(self, node: ast.AST, message: str, expected: str = "") -> ExpressionError:
        return ExpressionError(message, expected, *self.position(node))

    def evaluate(self, env: Mapping[str, Tensor], context: EvaluationContext) -> Tensor:
        """The expression's value with ``env``'s tensors for its names, recorded as engine ops."""
        return self._eval(self.tree.body, env, context)

    def _eval(self, node: ast.AST, env: Mapping[str, Tensor], context: EvaluationContext) -> Tensor:
        if isinstance(node, (ast.Constant, ast.UnaryOp)) and _literal(node) is not None:
            return self._constant(node, context)
        if isinstance(node, ast.Name):
            if node.id not in env:
                raise self.error(node, f"unknown name {node.id!r}", "a name defined before this expression")
            return env[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = self._eval(node.operand, env, context)
            return operand if isinstance(node.op, ast.UAdd) else self._apply(node, "neg", operand)
        if isinstance(node, ast.BinOp):
            left = self._eval(node.left, env, context)
            right = self._eval(node.right, env, context)
            op = _BINARY[type(node.op)]
            if op == "pow" and context.backend.name != "float":
                self._check_exponent(node, right)
            return self._apply(node, op, left, right)
        if isinstance(node, ast.Attribute):  # only .T passes the whitelist
            return self._apply(node, "transpose", self._eval(node.value, env, context))
        if isinstance(node, ast.Subscript):
            value = self._eval(node.value, env, context)
            return self._guard(node, lambda: value[_index(node.slice)])
        if isinstance(node, ast.Call):
            function = _function(node)
            assert function is not None  # the checker refused unknown functions
            tensors = [self._eval(arg, env, context) for arg in node.args[: function.tensors]]
            options = self._options(node, function, context)
            return self._guard(node, lambda: function.call(*tensors, context, **options))
        raise self.error(node, "this expression is not supported", ALLOWED_SYNTAX)  # unreachable after checking

    def _constant(self, node: ast.AST, context: EvaluationContext) -> Tensor:
        try:
            value = leaf(self._literal_text_value(node), context.backend)
        except NumberError as error:  # 1e999999999 in a formula: refused as in a value
            raise self.error(node, error.message, error.expected) from None
        return Tensor(context.backend.asarray(value), backend=context.backend)

    def _literal_text_value(self, node: ast.AST) -> Any:
        # The number as written (0.1 stays 1/10 in exact mode), not Python's binary float.
        value = _literal(node)
        if not isinstance(value, float):
            return value
        try:
            return Decimal(self._segment(node).replace(" ", ""))
        except ArithmeticError:
            return Decimal(repr(value))

    def _options(self, node: ast.Call, function: Function, context: EvaluationContext) -> dict[str, Any]:
        values = {name: default for name, default in function.options}
        given = list(zip((name for name, _ in function.options), node.args[function.tensors:]))
        # a keyword here always has a name: the checker refused **kwargs (keyword.arg None) before evaluation
        given += [(keyword.arg or "", keyword.value) for keyword in node.keywords]
        for name, value_node in given:
            values[name] = self._literal_text_value(value_node)
        if function.integer_options:
            return values
        try:
            return {name: None if value is None else context.backend.asarray(leaf(value, context.backend)).item()
                    for name, value in values.items()}
        except NumberError as error:
            raise self.error(node, error.message, error.expected) from None

    def _check_exponent(self, node: ast.BinOp, exponent: Tensor) -> None:
        if any(_too_big(value) for value in exponent.data.ravel()):
            raise self.error(node.right, f"the exponent is larger than {MAX_EXPONENT} in absolute value",
                             "a modest exponent (exact and symbolic results would be enormous)")

    def _apply(self, node: ast.AST, op: str, *operands: Tensor) -> Tensor:
        return self._guard(node, lambda: apply(op, *operands), operands)

    def _guard(self, node: ast.AST, compute: Callable[[], Tensor], operands: tuple[Tensor, ...] = ()) -> Tensor:
        try:
            return compute()
        except ExpressionError:
            raise
        except BackendError as error:  # e.g. exp in exact mode; the message says what to do
            raise self.error(node, f"cannot compute `{self._segment(node)}`: {_reason(error)}") from None
        except (ValueError, IndexError, TypeError, ArithmeticError) as error:
            if operands and isinstance(error, ValueError):
                shapes = " and ".join(str(list(t.shape)) for t in operands)
                raise self.error(node, f"cannot compute `{self._segment(node)}`: shapes {shapes} do not fit",
                                 "shapes that broadcast, or [m, k] @ [k, n] for @") from None
            raise self.error(node, f"cannot compute `{self._segment(node)}`: {_reason(error)}",
                             "operands whose shapes fit") from None

    def _segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self._source, node) or self.text

    @property
    def _source(self) -> str:
        return "\n".join(self._lines)


def _too_big(value: Any) -> bool:
    try:
        return bool(abs(value) > MAX_EXPONENT)
    except TypeError:  # a symbolic exponent has no size to compare
        return False


def _reason(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _literal(node: ast.AST) -> int | float | None:
    """The number a literal (or a negated literal) stands for, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _literal(node.operand)
        if inner is not None:
            return -inner if isinstance(node.op, ast.USub) else inner
    return None


def _index(node: ast.AST) -> Any:
    """A checked subscript as a NumPy index; lists are gathers."""
    if isinstance(node, ast.Tuple):
        return tuple(_index(element) for element in node.elts)
    if isinstance(node, ast.List):
        return [_literal(element) for element in node.elts]
    if isinstance(node, ast.Slice):
        return slice(*(None if part is None else _literal(part) for part in (node.lower, node.upper, node.step)))
    return _literal(node)


# --------------------------------------------------------------------------- parsing and checking


def parse_expression(text: str, variables: Collection[str] | None = None) -> Expression:
    """Parse and check ``text``; with ``variables``, every name it reads must be one of them.

    Raises :class:`ExpressionError` (with the line and column inside ``text``)
    for a syntax error or anything outside the whitelist.
    """
    if not isinstance(text, str):
        raise ExpressionError("an expression must be text", "a formula such as `x**2`")
    bound = limits.current().expression_length
    if len(text) > bound:
        raise ExpressionError(f"the expression is longer than {bound} characters", limits.note("expression_length"))
    _count_operators(text)
    # A problem file may fold a long formula over lines; the formula itself is one line.
    flat = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    stripped = flat.lstrip()
    offset = len(flat) - len(stripped)
    stripped = stripped.rstrip()
    if not stripped:
        raise ExpressionError("the expression is empty", "a formula such as `x**2`", 1, offset)
    try:
        tree = _parse(stripped)
    except SyntaxError as error:
        # Python gives offset 0 when the text ended too early ("a +"): point just past the end.
        column = (error.offset - 1 if error.offset else len(stripped)) + offset
        raise ExpressionError(f"invalid expression syntax: {error.msg}", "a Python-style formula such as `a * b + c`",
                              error.lineno or 1, column) from None
    except (RecursionError, MemoryError, ValueError) as error:
        raise ExpressionError(f"the expression cannot be parsed: {type(error).__name__}",
                              "a simpler formula", 1, offset) from None
    expression = Expression(stripped, tree, [stripped], offset)
    bounded_tree(tree, offset)
    _Checker(expression, variables).visit(tree.body)
    return expression


def _parse(text: str) -> ast.Expression:
    # Python warns on stderr about text such as `2x` ("invalid decimal literal") or "\o" (an invalid escape,
    # a DeprecationWarning before 3.12); the error line says enough.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return ast.parse(text, mode="eval")


_OPERATORS = (ast.BinOp, ast.UnaryOp, ast.Call, ast.Subscript, ast.Attribute)
_OPERATOR_TEXT = re.compile(r"\*\*|[-+*/@^(\[]")


def _count_operators(text: str) -> None:
    """Before parsing: a bound on the operators from the text (Python's parser itself gives up near 1,000 deep)."""
    bound = limits.current().operators
    for count, found in enumerate(_OPERATOR_TEXT.finditer(text), start=1):
        if count > bound:
            raise ExpressionError(f"more than {bound} operators in one expression", limits.note("operators"),
                                  1, found.start())


def bounded_formula(text: str) -> ast.Expression:
    """Parse ``text`` (Python syntax, ``^`` read as ``**``) within the expression limits; raise ExpressionError.

    For formulas read elsewhere (a student's symbolic answer): length, operator
    count, and powers of literal numbers (``x0**9**9**9`` would never finish).
    """
    bound = limits.current().expression_length
    if len(text) > bound:
        raise ExpressionError(f"the formula is longer than {bound} characters", limits.note("expression_length"))
    _count_operators(text)
    try:
        tree = _parse(text.replace("^", "**").strip())
    except SyntaxError as error:
        raise ExpressionError(f"invalid formula syntax: {error.msg}", "Python syntax such as `a * b + c`",
                              error.lineno or 1, max((error.offset or 1) - 1, 0)) from None
    except (RecursionError, MemoryError, ValueError) as error:
        raise ExpressionError(f"the formula cannot be parsed: {type(error).__name__}", "a simpler formula") from None
    bounded_tree(tree)
    return tree


def bounded_tree(tree: ast.AST, offset: int = 0) -> None:
    """Refuse a parsed expression with too many operators, or a power of literals with a huge exponent."""
    bound = limits.current().operators
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, _OPERATORS):
            count += 1
            if count > bound:
                raise ExpressionError(f"more than {bound} operators in one expression", limits.note("operators"),
                                      getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + offset)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and _literal(node.right) is None:
            # A literal exponent is checked per mode when evaluated; a computed one (9**9**9) never gets there.
            exponent = _static(node.right)
            if exponent is not None and _too_big(exponent):
                raise ExpressionError(f"the exponent is larger than {MAX_EXPONENT} in absolute value",
                                      "a modest exponent (the result would be enormous)",
                                      getattr(node.right, "lineno", 1), getattr(node.right, "col_offset", 0) + offset)


def _static(node: ast.AST) -> Any:
    """The value of a subtree made of number literals, + - * and bounded powers; None if it has anything else."""
    value = _literal(node)
    if value is not None:
        return value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Pow)):
        left, right = _static(node.left), _static(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Pow):
            if _too_big(right):
                raise ExpressionError(f"the exponent is larger than {MAX_EXPONENT} in absolute value",
                                      "a modest exponent (the result would be enormous)",
                                      getattr(node.right, "lineno", 1), getattr(node.right, "col_offset", 0))
            try:
                result = left ** right
            except (OverflowError, ZeroDivisionError, ValueError, TypeError):
                return None
            return result if not isinstance(result, complex) else None
        return {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
                ast.Mult: lambda a, b: a * b}[type(node.op)](left, right)
    return None


class _Checker:
    """Walks a parsed expression and refuses every syntax node outside the whitelist."""

    def __init__(self, expression: Expression, variables: Collection[str] | None) -> None:
        self.expression = expression
        self.variables = None if variables is None else set(variables)

    def refuse(self, node: ast.AST, message: str, expected: str = "") -> ExpressionError:
        return self.expression.error(node, message, expected or f"{ALLOWED_SYNTAX} {function_list()}")

    def visit(self, node: ast.AST) -> None:
        if _literal(node) is not None:
            return
        if isinstance(node, ast.Constant):
            raise self.refuse(node, f"{_describe_constant(node.value)} is not allowed in an expression", "a number")
        if isinstance(node, ast.Name):
            self._name(node)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise self.refuse(node, f"{_REFUSED.get(type(node.op), type(node.op).__name__)} is not allowed")
            self.visit(node.left)
            self.visit(node.right)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise self.refuse(node, f"{_REFUSED.get(type(node.op), type(node.op).__name__)} is not allowed")
            self.visit(node.operand)
        elif isinstance(node, ast.Attribute):
            if node.attr != "T":
                raise self.refuse(node, f"attribute access `.{node.attr}` is not allowed",
                                  "only `.T` (transpose)")
            self.visit(node.value)
        elif isinstance(node, ast.Subscript):
            self.visit(node.value)
            self._subscript(node.slice, top=True)
        elif isinstance(node, ast.Call):
            self._call(node)
        else:
            what = _REFUSED.get(type(node), f"`{type(node).__name__}` syntax")
            raise self.refuse(node, f"{what} is not allowed in an expression")

    def _name(self, node: ast.Name) -> None:
        if node.id.startswith("_"):
            raise self.refuse(node, f"the name {node.id!r} is not allowed (names may not start with an underscore)",
                              "a plain name")
        if node.id in FUNCTIONS and (self.variables is None or node.id not in self.variables):
            raise self.refuse(node, f"{node.id!r} is a function and must be called, as in {node.id}(x)",
                              f"{node.id}(...)")
        if self.variables is not None and node.id not in self.variables:
            known = ", ".join(sorted(self.variables)) or "none"
            raise self.refuse(node, f"unknown name {node.id!r}", f"one of: {known}")

    def _subscript(self, node: ast.AST, top: bool) -> None:
        if _literal(node) is not None:
            if not isinstance(_literal(node), int):
                raise self.refuse(node, "an index must be a whole number", "an index such as x[0]")
            return
        if top and isinstance(node, ast.Tuple):
            for element in node.elts:
                self._subscript(element, top=False)
            return
        if isinstance(node, ast.List):
            if not node.elts:
                raise self.refuse(node, "a gather needs at least one index", "x[[2, 4, 3, 0, 1]]")
            for element in node.elts:
                if not isinstance(_literal(element), int):
                    raise self.refuse(element, "a gather takes whole-number literals", "x[[2, 4, 3, 0, 1]]")
            return
        if isinstance(node, ast.Slice):
            for part in (node.lower, node.upper, node.step):
                if part is not None and not isinstance(_literal(part), int):
                    raise self.refuse(part, "slice bounds must be whole-number literals", "x[1:3]")
            return
        raise self.refuse(node, "an index must be a whole-number literal",
                          "x[0], x[1, 0], x[-1], x[1:3] or x[[2, 4, 3, 0, 1]]")

    def _call(self, node: ast.Call) -> None:
        if not isinstance(node.func, ast.Name):
            raise self.refuse(node, "only the listed functions can be called", f"one of: {function_list()}")
        name = node.func.id
        if name.startswith("_"):
            raise self.refuse(node.func, f"the name {name!r} is not allowed (names may not start with an underscore)")
        function = _function(node)
        if function is None:
            raise self.refuse(node.func, f"unknown function {name!r}", f"one of: {function_list()}")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.refuse(arg, "unpacking (*) is not allowed in a call")
        for keyword in node.keywords:
            if keyword.arg is None:
                raise self.refuse(keyword.value, "unpacking (**) is not allowed in a call", _signature(function))
        option_names = [option for option, _ in function.options]
        most = function.tensors + len(option_names)
        if len(node.args) < function.tensors or len(node.args) > most:
            if function.tensors == most:
                count = f"{function.tensors} argument{'s' if function.tensors != 1 else ''}"
            else:
                count = f"{function.tensors} to {most} arguments"
            raise self.refuse(node, f"{name}() takes {count}, not {len(node.args)}", _signature(function))
        for arg in node.args[: function.tensors]:
            self.visit(arg)
        named = option_names[: len(node.args) - function.tensors]
        for option, arg in zip(named, node.args[function.tensors:]):
            self._option(function, option, arg)
        for keyword in node.keywords:
            if keyword.arg not in option_names:
                raise self.refuse(keyword.value, f"{name}() has no option {keyword.arg!r}", _signature(function))
            if keyword.arg in named:
                raise self.refuse(keyword.value, f"{name}() got {keyword.arg!r} twice", _signature(function))
            self._option(function, keyword.arg, keyword.value)

    def _option(self, function: Function, option: str, node: ast.AST) -> None:
        value = _literal(node)
        if value is None or (function.integer_options and not isinstance(value, int)):
            kind = "a whole number" if function.integer_options else "a number"
            raise self.refuse(node, f"{function.name}()'s {option} must be {kind} written out",
                              _signature(function))


def _signature(function: Function) -> str:
    tensor_names = ["x"] if function.tensors == 1 else ["a", "b"] if function.name in ("matmul", "max", "min") \
        else ["y", "t"]
    options = [f"{name}={default}" for name, default in function.options]
    signature = f"{function.name}({', '.join(tensor_names[: function.tensors] + options)})"
    pairwise = function.name in _PAIRWISE and function.tensors == 1
    return f"{signature} or {function.name}(a, b)" if pairwise else signature


def _describe_constant(value: Any) -> str:
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return f"`{value}`"
    if value is None:
        return "`None`"
    if isinstance(value, complex):
        return "a complex number"
    return f"`{value!r}`"
