"""Statements and expressions of the string evaluator (a mixin of its Evaluator).

Statements are read through, not parsed: keywords and block braces are skipped, and every
other statement is an expression, an assignment (bound and published) or a call. Operator
precedence is JavaScript's for what matters to strings: ``+``/``-`` over ``*``/``/``/``%``
over prefix operators; comparisons and logic give unknown values; ``?:`` publishes both
branches. Object literals are records: each property's value is read under its key.
"""

from __future__ import annotations

from scrapersky.scraping.emails.jsfunctions import MAX_DEPTH
from scrapersky.scraping.emails.jsvalues import Function, Regex, arithmetic, index, is_number
from scrapersky.scraping.emails.records import is_denied_key

SKIPPED_WORDS = frozenset({
    "var", "let", "const", "if", "else", "for", "while", "do", "switch", "case", "default",
    "try", "catch", "finally", "break", "continue", "class", "extends", "import", "export",
    "async", "static", "in", "of", "with", "debugger",
})
LEADING_WORDS = frozenset({"return", "throw", "yield"})
UNARY_WORDS = frozenset({"typeof", "void", "delete", "await", "new"})
UNARY_TOKENS = frozenset({"!", "-", "+", "~", "++", "--"}) | UNARY_WORDS
STATEMENT_PUNCT = frozenset({"(", "[", "!", "-", "+", "~", "...", "++", "--"})
COMPARISONS = frozenset({"==", "===", "!=", "!==", "<", ">", "<=", ">=", "&", "|", "^"})
LOGICAL = frozenset({"&&", "||", "??"})
BINARY = COMPARISONS | LOGICAL
BINARY_WORDS = frozenset({"instanceof", "in"})
TEXTUAL = (str, list)
MAX_PROPERTIES = 4096
ATOMS = {"true": True, "false": False, "null": None, "undefined": None}


class ExpressionsMixin:
    """Statements, assignments, operators, literals and object records for the Evaluator."""

    def run(self, end: int) -> None:
        """Evaluate the statements from the current token up to end."""
        while self.pos < end:
            start = self.pos
            self.how = "script"
            self.statement()
            if self.pos <= start:
                self.pos = start + 1

    def statement(self) -> None:
        """Evaluate one statement (blocks and keywords are read through, not parsed)."""
        kind, value = self.kinds[self.pos], self.values[self.pos]
        if kind == "I" and value == "function" and self.kind_at(self.pos + 1) == "I":
            self.declaration()
        elif kind == "I" and value in SKIPPED_WORDS:
            self.pos += 1
        elif kind == "I" and value in LEADING_WORDS:
            self.pos += 1
            if not self.at(";", "}"):
                self.emit(self.assignment())
        elif kind == "P" and value not in STATEMENT_PUNCT:
            self.pos += 1
        else:
            value = self.expression()
            if self.at("=", "+="):
                self.assign()
            else:
                self.emit(value)

    def assignment(self) -> object:
        """Parse an expression or an assignment (bound and published); return its value."""
        value = self.expression()
        return self.assign() if self.at("=", "+=") else value

    def assign(self) -> object:
        """Bind and publish the value assigned to the reference just parsed."""
        if self.depth > MAX_DEPTH:
            return self.skip()
        operator, target = self.values[self.pos], self.ref
        self.pos += 1
        self.depth += 1
        assigned = self.assignment()
        self.depth -= 1
        if operator == "+=":
            assigned = self.concat([self.lookup(target) if target else None, assigned])
        if target:
            self.bind(target, assigned)
        if not (target and is_denied_key(target)):
            self.emit(assigned)
        self.ref = None
        return assigned

    def expression(self) -> object:
        """Parse a conditional or binary expression; its value, or None when unknown."""
        if self.depth > MAX_DEPTH:
            return self.skip()
        self.depth += 1
        value = self.additive()
        while self.at_binary():
            logical = self.values[self.pos] in LOGICAL
            self.pos += 1
            right = self.additive()
            if logical:
                self.emit(value)
                self.emit(right)
            value, self.ref = None, None
        if self.at("?"):
            self.pos += 1
            self.emit(self.assignment())
            if self.at(":"):
                self.pos += 1
                self.emit(self.assignment())
            value, self.ref = None, None
        self.depth -= 1
        return value

    def at_binary(self) -> bool:
        """Tell whether the current token is a comparison or logical operator."""
        if self.pos >= self.size:
            return False
        kind, value = self.kinds[self.pos], self.values[self.pos]
        return (kind == "P" and value in BINARY) or (kind == "I" and value in BINARY_WORDS)

    def additive(self) -> object:
        """Parse + and - chains; strings concatenate with JavaScript's conversions."""
        value = self.multiplicative()
        if not self.at("+", "-"):
            return value
        parts: list[object] | None = None
        while self.at("+", "-"):
            operator = self.values[self.pos]
            self.pos += 1
            right = self.multiplicative()
            if parts is not None:
                parts, value = (parts, None) if operator == "+" else (None, None)
                if parts is not None:
                    parts.append(right)
            elif operator == "+" and (isinstance(value, TEXTUAL) or isinstance(right, TEXTUAL)):
                parts = [value, right]
            else:
                value = arithmetic(operator, value, right)
        self.ref = None
        return self.concat(parts) if parts is not None else value

    def multiplicative(self) -> object:
        """Parse * / % chains of numbers."""
        value = self.unary()
        while self.at("*", "/", "%"):
            operator = self.values[self.pos]
            self.pos += 1
            value, self.ref = arithmetic(operator, value, self.unary()), None
        return value

    def unary(self) -> object:
        """Parse prefix operators (a loop, not recursion) and their operand."""
        operators = []
        while self.pos < self.size and self.kinds[self.pos] in ("P", "I") and (
            self.values[self.pos] in UNARY_TOKENS
        ):
            operators.append(self.values[self.pos])
            self.pos += 1
        value = self.postfix()
        for operator in reversed(operators):
            if operator == "-" and is_number(value):
                value = -value
            elif operator not in ("+", "new") or (operator == "+" and not is_number(value)):
                value = None
        if operators:
            self.ref = None
        return value

    def postfix(self) -> object:
        """Parse a primary with its property accesses, calls, indexes and arrow bodies."""
        value = self.primary()
        ref = self.ref
        while self.pos < self.size and self.kinds[self.pos] == "P":
            token = self.values[self.pos]
            if token == "." and self.kind_at(self.pos + 1) == "I":
                value, ref = self.member(value, ref)
            elif token == "[":
                value, ref = self.subscript(value), None
            elif token == "(":
                value, ref = self.call(value, ref), None
            elif token == "=>":
                value, ref = self.arrow(), None
            elif token in ("++", "--"):
                self.pos += 1
            else:
                break
        self.ref = ref
        return value

    def primary(self) -> object:
        """Parse a literal, identifier, group, array, object literal or function."""
        self.ref = None
        if self.pos >= self.size:
            return None
        kind, value = self.kinds[self.pos], self.values[self.pos]
        if kind in ("S", "N", "J", "R"):
            self.pos += 1
            return Regex(*value) if kind == "R" else value
        if kind == "I":
            return self.identifier(value)
        if value in ("(", "["):
            end = self.partner[self.pos]
            self.pos += 1
            items = self.items(end)
            self.pos = end + 1
            return items if value == "[" else (items[-1] if items else None)
        if value == "{":
            return self.object_literal()
        self.pos += 1
        return None

    def identifier(self, name: str) -> object:
        """Return a name's value: an atom, a function expression or a variable."""
        if name == "function":
            return self.function_expression()
        self.pos += 1
        if name in ATOMS:
            return ATOMS[name]
        if name in ("var", "let", "const"):
            return self.primary()
        self.ref = name
        return self.lookup(name)

    def subscript(self, value: object) -> object:
        """Return value[key] for the bracketed key expression."""
        end = self.partner[self.pos]
        self.pos += 1
        key = self.assignment()
        self.pos = end + 1
        return index(value, key)

    def items(self, end: int) -> list[object]:
        """Parse comma-separated expressions (spreads flattened) up to end."""
        items: list[object] = []
        while self.pos < end:
            start = self.pos
            if self.at(","):
                self.pos += 1
                continue
            spread = self.at("...")
            self.pos += spread
            value = self.assignment()
            items.extend(value if spread and isinstance(value, list) else [value])
            if self.pos < end and not self.at(","):
                self.skip(end)
            self.pos = max(self.pos, start + 1)
        return items

    def skip(self, end: int | None = None) -> None:
        """Skip to the next ',' or ';' at this level (or end), bracket groups whole."""
        end = self.size if end is None else end
        while self.pos < end and not self.at(",", ";"):
            opener = self.at("(", "[", "{")
            self.pos = self.partner[self.pos] + 1 if opener else self.pos + 1

    def object_literal(self) -> dict[str, object]:
        """Return an object literal's properties (published later as records, by the rule)."""
        end = self.partner[self.pos]
        self.pos += 1
        properties: dict[str, object] = {}
        while self.pos < end:
            start = self.pos
            kind = self.kinds[self.pos]
            following = self.values[self.pos + 1:self.pos + 2]
            if kind in ("I", "S", "N") and following == [":"]:
                self.property(str(self.values[self.pos]), properties)
            elif kind == "I" and following == ["("]:  # a method: its body is code
                self.emit(self.function_from(self.pos + 1))
            if self.pos < end and not self.at(","):
                self.skip(end)
            self.pos = max(self.pos + self.at(","), start + 1)
        self.pos = end + 1
        return properties

    def property(self, key: str, properties: dict[str, object]) -> None:
        """Read one property's value under its key (none kept under a denied key)."""
        saved = (self.record, self.key, self.silent)
        self.pos += 2
        self.record, self.key = True, key
        self.silent = saved[2] or is_denied_key(key)
        value = self.assignment()
        if isinstance(value, Function):
            self.emit(value)
        elif not self.silent and len(properties) < MAX_PROPERTIES:
            properties[key] = value
        self.record, self.key, self.silent = saved
