"""Every HX-Target a view accepts renders its block, rooted at the element htmx targets.

A view answers htmx with ``htmx.page(template, {target id: block name}, …)``: the
allow-list maps the ``HX-Target`` header to the block rendered instead of the whole page,
and the block's root element must carry that id — otherwise an ``outerHTML`` swap nests
or loses the target, and the next request finds nothing to replace. The allow-lists are
read from the source (every ``htmx.page`` and ``htmx.fragments`` call under
``buildstory/``), so a new view is checked without being listed here. Each entry is
rendered through a route of its module from the permission matrix (``tests/web/matrix.py``)
as an actor allowed to use it: GET with the target, or an empty POST, which re-renders a
form with its errors.
"""
from __future__ import annotations

import ast
import inspect
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import nodes

import buildstory
from buildstory.web import htmx
from tests.web.matrix import ACTORS, ROUTES, main_case

PACKAGE = Path(buildstory.__file__).parent


@dataclass(frozen=True)
class Entry:
    module: str       # dotted module name of the view
    function: str     # the function that calls htmx.page / htmx.fragments
    line: int
    template: str
    target: str | None  # None for htmx.fragments (a fixed block, no HX-Target)
    block: str        # a block name, or a regular expression for f-string names

    def __str__(self):
        where = f"{self.module}:{self.line} ({self.function})"
        return f"{where} {self.template} #{self.target} → {self.block}" if self.target \
            else f"{where} {self.template} → {self.block}"


class _Unresolved(Exception):
    pass


def _is_htmx_call(node: ast.Call, name: str) -> bool:
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == name
            and isinstance(func.value, ast.Name) and func.value.id == "htmx")


class _Module:
    """A module's source: its constants, and the values its functions' parameters take."""

    def __init__(self, tree: ast.Module):
        self.constants = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                          for t in node.targets if isinstance(t, ast.Name)}
        self.calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]

    def values(self, node, function) -> list:
        """Every literal value ``node`` can have: a constant, a module-level name, or a
        parameter of ``function`` (its default and what the module's calls pass)."""
        if isinstance(node, ast.Name):
            if node.id in self.constants:
                return self.values(self.constants[node.id], function)
            return self._parameter(node.id, function)
        if isinstance(node, ast.Dict):
            return [{k: v for k, v in zip(self.value(node.keys, function),
                                          self.value(node.values, function))}]
        if isinstance(node, ast.JoinedStr):  # f"{kind}_panel" → a pattern
            return [re.compile("".join(re.escape(p.value) if isinstance(p, ast.Constant) else ".+"
                                       for p in node.values))]
        try:
            return [ast.literal_eval(node)]
        except ValueError:
            raise _Unresolved(ast.unparse(node)) from None

    def value(self, nodes, function) -> list:
        """The single literal value of each of ``nodes``."""
        out = []
        for node in nodes:
            found = self.values(node, function)
            if len(found) != 1:
                raise _Unresolved(ast.unparse(node))
            out.append(found[0])
        return out

    def _parameter(self, name: str, function) -> list:
        args = function.args
        positional = [a.arg for a in args.posonlyargs + args.args]
        defaults = dict(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d})
        if name not in positional and name not in defaults:
            raise _Unresolved(name)
        found = [defaults[name]] if name in defaults else []
        for call in self.calls:
            if isinstance(call.func, ast.Name) and call.func.id == function.name:
                found += [k.value for k in call.keywords if k.arg == name]
                if name in positional and positional.index(name) < len(call.args):
                    found.append(call.args[positional.index(name)])
        if not found:
            raise _Unresolved(name)
        return [v for node in found for v in self.values(node, function)]


def _argument(call: ast.Call, index: int, name: str):
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return call.args[index] if len(call.args) > index else None


def discover() -> tuple[list[Entry], list[str]]:
    """Every allow-list entry and fragment block in the package, and what could not be read."""
    entries, unresolved = set(), []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        source = _Module(tree)
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for call in ast.walk(function):
                if not isinstance(call, ast.Call):
                    continue
                try:
                    if _is_htmx_call(call, "page"):
                        blocks = _argument(call, 1, "blocks")
                        for template in source.values(_argument(call, 0, "template"), function):
                            for allowed in [{}] if blocks is None else source.values(blocks, function):
                                for target, block in (allowed or {}).items():
                                    entries.add(Entry(name, function.name, call.lineno,
                                                      template, target, block))
                    elif _is_htmx_call(call, "fragments"):
                        for part in call.args:
                            if not isinstance(part, ast.Tuple):
                                raise _Unresolved(ast.unparse(part))
                            for template in source.values(part.elts[0], function):
                                for block in source.values(part.elts[1], function):
                                    entries.add(Entry(name, function.name, call.lineno,
                                                      template, None, block))
                except _Unresolved as exc:
                    unresolved.append(f"{name}:{call.lineno}: cannot read {exc}")
    return sorted(entries, key=str), unresolved


ENTRIES, UNRESOLVED = discover()
# One rendering per target of a view (two calls with the same allow-list need one request).
TARGETED = list({(e.module, e.function, e.template, e.target, e.block): e
                 for e in ENTRIES if e.target}.values())


# "Load more" targets: the row is replaced by the next rows, ending with a new "Load more"
# row while more remain, so the id is on the block's last root element (or on none).
LOAD_MORE = {"audit-more", "tool-submissions-more", "notifications-more",
             "showcase-more", "older-posts"}  # rows, then a more-row
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class _Roots(HTMLParser):
    """The root-level elements of an HTML fragment, and every id in it."""

    def __init__(self):
        super().__init__()
        self.roots, self.ids, self.depth = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth == 0:
            self.roots.append((tag, attrs))
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag not in VOID:
            self.depth += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.depth -= 1

    def handle_endtag(self, tag):
        if tag not in VOID:
            self.depth -= 1


def parse(html: str) -> _Roots:
    parser = _Roots()
    parser.feed(html)
    parser.close()
    return parser


def block_markup(app, template: str, block: str) -> str:
    """The literal markup of a block in the template's source."""
    source = app.jinja_env.loader.get_source(app.jinja_env, template)[0]
    node = next(b for b in app.jinja_env.parse(source).find_all(nodes.Block) if b.name == block)
    return "".join(data.data for data in node.find_all(nodes.TemplateData))


def test_the_source_has_allow_lists_and_every_one_is_readable():
    assert not UNRESOLVED, "use literals or module-level constants:\n" + "\n".join(UNRESOLVED)
    assert len(TARGETED) >= 20 and len(ENTRIES) > len(TARGETED)


@pytest.mark.parametrize("entry", ENTRIES, ids=str)
def test_every_named_block_exists_in_its_template(app, entry):
    blocks = set(app.jinja_env.get_template(entry.template).blocks)
    if isinstance(entry.block, re.Pattern):
        assert any(entry.block.fullmatch(b) for b in blocks), (entry.block.pattern, sorted(blocks))
    else:
        assert entry.block in blocks, sorted(blocks)


def _actor(case) -> str:
    allowed = [a for a in ACTORS if a in case.allowed() and a not in case.expect]
    return next((a for a in allowed if a not in ("anonymous", "banned")), allowed[0])


def _endpoints(app, entry: Entry) -> list[str]:
    """Endpoints of the entry's module, the one whose view makes the call first."""
    found = []
    for endpoint, view in app.view_functions.items():
        view = inspect.unwrap(view)
        if view.__module__ == entry.module:
            found.append((view.__name__ != entry.function, endpoint))
    return [endpoint for _, endpoint in sorted(found)]


def _render(world, endpoint: str, method: str, target: str):
    """Ask one route for ``target`` as htmx (an empty form for a POST); return the answer."""
    case = main_case(endpoint, method)
    actor = _actor(case)
    client, url = world.client(actor), case.url(world.w)
    with world.turn():
        world.session.commit()
        if method == "GET":
            response = client.hx_get(url, target=target)
        else:
            response = client.post(url, {}, csrf=False, htmx=True, headers={
                "HX-Target": target, "X-CSRF-Token": world.csrf_tokens[actor]})
        response.get_data()
    return response


@pytest.fixture
def rendered_blocks(app, monkeypatch):
    """Record every block ``htmx.page`` renders: (template, block, html). Optional parts
    are switched on, so their blocks render something."""
    monkeypatch.setitem(app.config, "DISCORD_INVITE_URL", "https://discord.example/invite")
    calls = []
    real = htmx.render_block

    def recording(template, block, **context):
        html = real(template, block, **context)
        calls.append((template, block, str(html)))
        return html

    monkeypatch.setattr(htmx, "render_block", recording)
    return calls


@pytest.mark.parametrize("entry", TARGETED, ids=str)
def test_every_hx_target_renders_its_block_rooted_at_the_target(app, world, rendered_blocks, entry):
    answers, hits = [], []
    for endpoint in _endpoints(app, entry):
        for method in ("GET", "POST"):
            if (endpoint, method) not in ROUTES:
                continue
            rendered_blocks.clear()
            response = _render(world, endpoint, method, entry.target)
            assert response.status_code < 500, f"{method} {endpoint} answered 500"
            answers.append(f"{method} {endpoint}: {response.status_code}")
            hits = [html for template, block, html in rendered_blocks
                    if (template, block) == (entry.template, entry.block)]
            if hits:
                break
        if hits:
            break
    assert hits, f"never rendered: {', '.join(answers) or 'no route in the module'}"
    fragment = parse(hits[0])
    assert fragment.ids.count(entry.target) <= 1, f"#{entry.target} twice in the block"
    if entry.target in LOAD_MORE:
        assert f'id="{entry.target}"' in block_markup(app, entry.template, entry.block)
        assert entry.target not in fragment.ids or fragment.roots[-1][1].get("id") == entry.target
    else:
        assert fragment.roots, "the block rendered no element"
        tag, attrs = fragment.roots[0]
        assert attrs.get("id") == entry.target, f"the block's root is <{tag} id={attrs.get('id')!r}>"
