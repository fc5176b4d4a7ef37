"""Functions for the string evaluator: hoisted names, ROT13 shapes, bodies run and bound.

A function's body runs once where it stands (a declaration, a callback left over, a method)
and again, with its parameters bound to the arguments, each time it is called, at most
``MAX_CALLS_PER_FUNCTION`` times and within ``MAX_RERUN_TOKENS`` tokens of reruns per
script. A function is ROT13 when its name says so or its short body calls
``fromCharCode`` with a 13 in it.
"""

from __future__ import annotations

from scrapersky.scraping.emails.jslex import Tokens
from scrapersky.scraping.emails.jsvalues import Function, cap

MAX_DEPTH = 40
MAX_CALLS_PER_FUNCTION = 4
MAX_RERUN_TOKENS = 30_000
MAX_SHAPE_TOKENS = 300
MAX_PARAMS = 64
MISSING = object()


def scan_functions(tokens: Tokens) -> tuple[dict[str, Function], set[str]]:
    """Return the script's named functions (hoisted) and the names that are ROT13."""
    kinds, values, _ = tokens
    functions: dict[str, Function] = {}
    rot13_names: set[str] = set()
    position = _find(values, "function", 0)
    while position >= 0:
        name = _function_name(kinds, values, position) if kinds[position] == "I" else None
        function = function_at(tokens, position) if name else None
        if name and function is not None:
            functions.setdefault(name, function)
            if "rot13" in name.lower() or is_rot13_body(values, function):
                rot13_names.add(name)
        position = _find(values, "function", position + 1)
    return functions, rot13_names


def _find(values: list[object], item: str, start: int) -> int:
    """Return the index of item in values from start (a C-level search), or -1."""
    try:
        return values.index(item, start)
    except ValueError:
        return -1


def _function_name(kinds: list[str], values: list[object], position: int) -> str | None:
    """Return the name of `function name(` or of `name = function(` / `name: function(`."""
    if position + 1 < len(kinds) and kinds[position + 1] == "I":
        return str(values[position + 1])
    if position >= 2 and values[position - 1] in ("=", ":") and kinds[position - 2] in "IS":
        return str(values[position - 2]).rsplit(".", 1)[-1]
    return None


def function_at(tokens: Tokens, position: int) -> Function | None:
    """Return the function whose `function` keyword is at position (a braced body), or None."""
    kinds, values, _ = tokens
    paren = position + 1
    if values[paren:paren + 1] == ["*"]:
        paren += 1
    if paren < len(kinds) and kinds[paren] == "I":
        paren += 1
    return parse_function(tokens, paren)


def parse_function(tokens: Tokens, paren: int) -> Function | None:
    """Return the function whose parameter list opens at paren and whose body is braced."""
    kinds, values, partner = tokens
    if values[paren:paren + 1] != ["("] or kinds[paren] != "P":
        return None
    body = partner[paren] + 1
    if values[body:body + 1] != ["{"] or kinds[body] != "P":
        return None
    params = params_between(tokens, paren + 1, partner[paren])
    return Function(params, body + 1, partner[body], True)


def params_between(tokens: Tokens, start: int, end: int) -> tuple[str, ...]:
    """Return the parameter names in the token range (each name that opens a parameter)."""
    kinds, values, _ = tokens
    names: list[str] = []
    expecting = True
    for position in range(start, min(end, start + MAX_PARAMS)):
        if kinds[position] == "I" and expecting:
            names.append(str(values[position]))
            expecting = False
        elif kinds[position] == "P" and values[position] == ",":
            expecting = True
    return tuple(names)


def is_rot13_body(values: list[object], function: Function) -> bool:
    """Tell whether a short function body has ROT13's shape (fromCharCode and 13)."""
    if function.end - function.start > MAX_SHAPE_TOKENS:
        return False
    body = values[function.start:function.end]
    return 13 in body and "fromCharCode" in body


def _is_textual(value: object) -> bool:
    """Tell whether a value is a string or an array holding one."""
    if isinstance(value, list):
        return any(isinstance(item, str) for item in value[:64])
    return isinstance(value, str)


class FunctionsMixin:
    """Function values of the Evaluator: arrows, expressions, declarations, invocation."""

    def arrow(self) -> Function:
        """Read an arrow function (the current token is '=>'); an expression body runs now."""
        previous = self.pos - 1
        if self.values[previous] == ")":
            params = params_between(self.tokens(), self.partner[previous] + 1, previous)
        else:
            params = (str(self.values[previous]),)
        self.pos += 1
        if self.at("{"):
            function = Function(params, self.pos + 1, self.partner[self.pos], True)
            self.pos = function.end + 1
            return function
        start = self.pos
        self.emit(self.assignment())
        return Function(params, start, self.pos, False)

    def function_expression(self) -> Function | None:
        """Read a function expression; its body runs when called or left over."""
        function = function_at(self.tokens(), self.pos)
        self.pos = function.end + 1 if function is not None else self.pos + 1
        return function

    def function_from(self, paren: int) -> Function | None:
        """Read an object method whose parameter list opens at paren."""
        function = parse_function(self.tokens(), paren)
        if function is not None:
            self.pos = function.end + 1
        return function

    def declaration(self) -> None:
        """Run a declared function's body once where it stands (calls run it again, bound)."""
        function = function_at(self.tokens(), self.pos)
        if function is None:
            self.pos += 1
            return
        registered = self.functions.get(str(self.values[self.pos + 1]))
        self.pos = function.end + 1
        shared = registered is not None and registered.start == function.start
        self.settle(registered if shared else function)

    def settle(self, function: Function) -> None:
        """Run a function body that has not run yet."""
        if function.runs == 0:
            self.invoke(function, [])

    def invoke(self, function: Function, args: list[object]) -> None:
        """Run a function body with its parameters bound to args (bounded reruns)."""
        if not function.braced or self.depth > MAX_DEPTH:
            return
        cost = function.end - function.start
        if function.runs and (cost > self.reruns or not any(map(_is_textual, args))):
            return  # a rerun only helps when a string is passed in
        if function.runs >= MAX_CALLS_PER_FUNCTION:
            return
        self.reruns -= cost if function.runs else 0
        function.runs += 1
        saved = (self.pos, self.record, self.key, self.how)
        previous = [(name, self.env.get(name, MISSING)) for name in function.params]
        padded = [*args, *[None] * len(function.params)]
        for name, value in zip(function.params, padded[:len(function.params)], strict=True):
            self.env[name] = cap(value) if isinstance(value, str) else value
        self.pos, self.record, self.key = function.start, False, None
        self.depth += 1
        self.run(function.end)
        self.depth -= 1
        for name, value in previous:
            if value is MISSING:
                self.env.pop(name, None)
            else:
                self.env[name] = value
        self.pos, self.record, self.key, self.how = saved

    def tokens(self) -> Tokens:
        """Return the script's tokens."""
        return Tokens(self.kinds, self.values, self.partner)
