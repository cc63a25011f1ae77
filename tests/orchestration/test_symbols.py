"""Symbol extraction and symbol diffs (tree-sitter) for Python, JavaScript and TypeScript."""

from __future__ import annotations

from buildrunner.orchestration.symbols import diff_file, extract

PY = b'''
class Cart:
    TAX = 0.2

    def add(self, item):
        return self.items.append(item)

    def total(self):
        def inner(x):
            return x
        return price(self.items, 2)


@cached
def price(items, qty) -> int:
    return len(items) * qty
'''


def test_python_symbols_are_qualified_and_typed():
    symbols, calls = extract(PY, "python")
    assert set(symbols) == {"Cart", "Cart.add", "Cart.total", "Cart.total.inner", "price"}
    assert symbols["Cart.add"].kind == "method" and symbols["price"].kind == "function"
    assert symbols["price"].signature == "(items, qty) -> int"
    assert symbols["Cart.add"].line == 5
    assert [(c.callee, c.line) for c in calls] == [("append", 6), ("price", 11), ("len", 16)]


def test_editing_a_method_does_not_change_its_class():
    new = PY.replace(b"return self.items.append(item)", b"self.items.append(item)\n        return self")
    changes, _ = diff_file("cart.py", PY, new)
    assert [(c.name, c.change) for c in changes] == [("Cart.add", "modified")]
    new = PY.replace(b"TAX = 0.2", b"TAX = 0.25")
    assert [(c.name, c.change) for c in diff_file("cart.py", PY, new)[0]] == [("Cart", "modified")]


def test_signature_changes_additions_removals_and_new_calls():
    new = PY.replace(b"def price(items, qty) -> int:", b"def price(items, qty, currency) -> int:")
    new = new.replace(b"def add(self, item):\n        return self.items.append(item)\n", b"")
    new += b"\ndef helper():\n    return price([], 1, 'EUR')\n"
    changes, calls = diff_file("cart.py", PY, new)
    got = {(c.name, c.change) for c in changes}
    assert got == {("price", "signature"), ("Cart.add", "removed"), ("helper", "added")}
    sig = next(c for c in changes if c.change == "signature")
    assert (sig.old_signature, sig.new_signature) == ("(items, qty) -> int", "(items, qty, currency) -> int")
    assert [c.text for c in calls] == ["price([], 1, 'EUR')"]  # unchanged calls are not "new"


def test_javascript_and_typescript_symbols():
    js = b"""export function total(items, tax) { return sum(items) * tax; }
const fmt = (n) => n.toFixed(2);
class Cart extends Base {
  add(item) { this.items.push(item); }
  static from(list) { return new Cart(list); }
}
"""
    symbols, calls = extract(js, "javascript")
    assert set(symbols) == {"total", "fmt", "Cart", "Cart.add", "Cart.from"}
    assert symbols["total"].signature == "(items, tax)" and symbols["Cart"].signature == "extends Base"
    assert {c.callee for c in calls} >= {"sum", "push", "Cart", "toFixed"}
    ts = b"""interface Item { cost: number }
export function price(item: Item, qty: number): number { return item.cost * qty; }
type Money = number;
"""
    symbols, _ = extract(ts, "typescript")
    assert symbols["price"].signature == "(item: Item, qty: number): number"
    assert symbols["Item"].kind == "interface" and symbols["Money"].kind == "type"
    tsx = b"export const Row = ({label}: {label: string}) => <td>{fmt(label)}</td>;\n"
    symbols, calls = extract(tsx, "tsx")
    assert "Row" in symbols and [c.callee for c in calls] == ["fmt"]


def test_unknown_languages_and_unparsable_bytes_are_ignored():
    assert diff_file("notes.md", b"a", b"b") == ([], [])
    changes, _ = diff_file("x.py", b"\xff\xfe def (", b"def ok():\n    pass\n")
    assert [(c.name, c.change) for c in changes] == [("ok", "added")]
