# SPDX-License-Identifier: Apache-2.0
"""A small renderer for the subset of Helm's Go templates that deploy/helm/reaper uses.

Helm itself is not packaged by Debian, so CI renders the chart with this instead (and with helm
as well when one is installed). It is stricter than Helm: a missing value or an unsupported
construct is an error rather than an empty string.

Supported: text, {{- and -}} trimming, comments, pipelines with |, parentheses, fields of .
and $ (.Values.a.b, .Release.Name, .Chart.AppVersion), string/number/bool literals,
if/else/end, with/else/end, range/else/end over maps (sorted keys, as Go) and lists with
optional $key, $value variables, define/include, and the functions in FUNCS below.
"""
import hashlib
import json
import os
import re

import yaml


class RenderError(Exception):
    pass


# ---- lexing ------------------------------------------------------------------------------

_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)


def _lex(text, name):
    """Text and actions, with Helm's whitespace trimming applied."""
    items = []
    pos = 0
    trim_next = False
    for m in _ACTION.finditer(text):
        chunk = text[pos:m.start()]
        if trim_next:
            chunk = chunk.lstrip(" \t\r\n")
        if m.group(1):
            chunk = chunk.rstrip(" \t\r\n")
        items.append(("text", chunk))
        body = m.group(2).strip()
        line = text.count("\n", 0, m.start()) + 1
        if not (body.startswith("/*") and body.endswith("*/")):
            items.append(("action", body, f"{name}:{line}"))
        trim_next = bool(m.group(3))
        pos = m.end()
    chunk = text[pos:]
    if trim_next:
        chunk = chunk.lstrip(" \t\r\n")
    items.append(("text", chunk))
    return items


_TOKEN = re.compile(r'\s*(?:(\()|(\))|(\|)|("(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?\d+(?:\.\d+)?)'
                    r'|(\$[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)'
                    r'|(\$?(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.|\$)|([A-Za-z_][A-Za-z0-9_]*))')
_RANGE_VARS = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)\s*(?:,\s*\$([A-Za-z_][A-Za-z0-9_]*)\s*)?:=\s*(.*)$", re.S)


def _tokens(expr, where):
    out = []
    pos = 0
    expr = expr.rstrip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise RenderError(f"{where}: cannot parse '{expr[pos:]}' in '{expr}'")
        pos = m.end()
        lp, rp, bar, dq, bq, num, var, field, ident = m.groups()
        if lp:
            out.append(("(",))
        elif rp:
            out.append((")",))
        elif bar:
            out.append(("|",))
        elif dq:
            out.append(("lit", json.loads(dq)))
        elif bq:
            out.append(("lit", bq[1:-1]))
        elif num:
            out.append(("lit", float(num) if "." in num else int(num)))
        elif var:
            out.append(("var", var))
        elif field:
            out.append(("field", field))
        elif ident in ("true", "false"):
            out.append(("lit", ident == "true"))
        elif ident == "nil":
            out.append(("lit", None))
        else:
            out.append(("ident", ident))
    return out


# ---- parsing -----------------------------------------------------------------------------

def _parse_pipeline(toks, where):
    """pipeline := command ('|' command)*; command := operand+; operand := term | (pipeline)"""
    def pipeline(i, stop):
        cmds = [[]]
        while i < len(toks) and toks[i][0] != stop:
            t = toks[i]
            if t[0] == "|":
                if not cmds[-1]:
                    raise RenderError(f"{where}: empty command before |")
                cmds.append([])
                i += 1
            elif t[0] == "(":
                sub, i = pipeline(i + 1, ")")
                if i >= len(toks):
                    raise RenderError(f"{where}: unclosed (")
                cmds[-1].append(("pipe", sub))
                i += 1
            elif t[0] == ")":
                raise RenderError(f"{where}: unexpected )")
            else:
                cmds[-1].append(t)
                i += 1
        if not cmds[-1]:
            raise RenderError(f"{where}: empty pipeline")
        return cmds, i

    cmds, i = pipeline(0, None)
    return cmds


def _parse(items):
    """A tree of nodes: ('text', s) | ('out', pipe) | ('if'|'with', pipe, body, else_body)
    | ('range', pipe, body, else_body, where, (key var, value var)) | ('define', name, body).
    Returns (nodes, defines)."""
    defines = {}
    pos = 0

    def block(terminators):
        nonlocal pos
        nodes = []
        while pos < len(items):
            it = items[pos]
            pos += 1
            if it[0] == "text":
                if it[1]:
                    nodes.append(("text", it[1]))
                continue
            body, where = it[1], it[2]
            word = body.split(None, 1)[0] if body else ""
            rest = body[len(word):].strip()
            if word in ("end", "else"):
                if word not in terminators:
                    raise RenderError(f"{where}: unexpected {{{{ {word} }}}}")
                if word == "else" and rest:
                    raise RenderError(f"{where}: 'else {rest}' is not supported")
                return nodes, word
            if word in ("if", "with", "range"):
                names = (None, None)
                m = _RANGE_VARS.match(rest) if word == "range" else None
                if m:
                    # Go: one variable is the element; two are the key (or index) and the element.
                    names = (m.group(1), m.group(2)) if m.group(2) else (None, m.group(1))
                    rest = m.group(3)
                pipe = _parse_pipeline(_tokens(rest, where), where)
                then, how = block(("end", "else"))
                other = []
                if how == "else":
                    other, how = block(("end",))
                if how != "end":
                    raise RenderError(f"{where}: {word} without end")
                nodes.append((word, pipe, then, other, where) + ((names,) if word == "range" else ()))
            elif word == "define":
                name = json.loads(rest)
                inner, how = block(("end",))
                if how != "end":
                    raise RenderError(f"{where}: define without end")
                defines[name] = inner
            elif word in ("template", "block") or re.match(r"\$[A-Za-z_]\w*\s*:?=", body):
                raise RenderError(f"{where}: '{word}' is not supported by this renderer")
            else:
                nodes.append(("out", _parse_pipeline(_tokens(body, where), where), where))
        if terminators:
            raise RenderError(f"missing {{{{ end }}}} (expected one of {terminators})")
        return nodes, None

    nodes, _ = block(())
    return nodes, defines


# ---- evaluation --------------------------------------------------------------------------

def _empty(v):
    if v is None or v is False:
        return True
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v == 0
    return isinstance(v, (str, list, dict)) and len(v) == 0


def _truth(v):
    return not _empty(v)


def _to_yaml(v):
    if v is None:
        return "null"
    text = yaml.safe_dump(v, default_flow_style=False, sort_keys=True)
    if text.endswith("\n...\n"):
        text = text[:-5]
    return text.rstrip("\n")


def _indent(n, s):
    pad = " " * n
    return pad + str(s).replace("\n", "\n" + pad)


def _fail(msg):
    raise RenderError(f"fail: {msg}")


def _required(msg, v):
    if v is None or v == "":
        raise RenderError(f"required: {msg}")
    return v


def _quote(*args):
    return " ".join(json.dumps(_printable(a, "quote")) for a in args if a is not None)


def _and(*args):
    for a in args:
        if not _truth(a):
            return a
    return args[-1]


def _or(*args):
    for a in args:
        if _truth(a):
            return a
    return args[-1]


FUNCS = {
    "toYaml": _to_yaml,
    "nindent": lambda n, s: "\n" + _indent(n, s),
    "indent": _indent,
    "quote": _quote,
    "default": lambda d, v=None: d if _empty(v) else v,
    "eq": lambda a, *b: any(a == x for x in b),
    "ne": lambda a, b: a != b,
    "not": lambda v: not _truth(v),
    "and": _and,
    "or": _or,
    "fail": _fail,
    "required": _required,
    "sha256sum": lambda s: hashlib.sha256(str(s).encode()).hexdigest(),
}


def _printable(v, where):
    if v is None:
        raise RenderError(f"{where}: no value")
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float, str)):
        return str(v)
    raise RenderError(f"{where}: cannot print a {type(v).__name__} (use toYaml)")


class _Renderer:
    def __init__(self, defines, root):
        self.defines = defines
        self.root = root
        self.vars = {}  # the variables of the enclosing ranges

    def field(self, path, dot, where):
        base, parts = (self.root, path[1:].split(".")) if path.startswith("$") else \
            (dot, path.split("."))
        v = base
        walked = "$" if path.startswith("$") else ""
        for p in parts:
            if not p:
                continue
            walked += "." + p
            if not isinstance(v, dict) or p not in v:
                raise RenderError(f"{where}: {walked}: no such value")
            v = v[p]
        return v

    def variable(self, path, where):
        name, *parts = path[1:].split(".")
        if name not in self.vars:
            raise RenderError(f"{where}: undefined variable ${name}")
        v = self.vars[name]
        for p in parts:
            if not isinstance(v, dict) or p not in v:
                raise RenderError(f"{where}: {path}: no such value")
            v = v[p]
        return v

    def operand(self, t, dot, where):
        kind = t[0]
        if kind == "lit":
            return t[1]
        if kind == "var":
            return self.variable(t[1], where)
        if kind == "field":
            return self.field(t[1], dot, where)
        if kind == "pipe":
            return self.pipeline(t[1], dot, where)
        if kind == "ident":
            return self.call(t[1], [], dot, where)
        raise RenderError(f"{where}: unexpected {t}")

    def call(self, name, args, dot, where):
        if name == "include":
            if len(args) != 2:
                raise RenderError(f"{where}: include takes a name and a context")
            if args[0] not in self.defines:
                raise RenderError(f"{where}: include of undefined template {args[0]!r}")
            saved, self.vars = self.vars, {}  # a template sees no variable of its caller
            try:
                return self.nodes(self.defines[args[0]], args[1])
            finally:
                self.vars = saved
        fn = FUNCS.get(name)
        if fn is None:
            raise RenderError(f"{where}: function '{name}' is not supported by this renderer")
        try:
            return fn(*args)
        except TypeError as e:
            raise RenderError(f"{where}: {name}: {e}") from None

    def pipeline(self, cmds, dot, where):
        value, piped = None, False
        for cmd in cmds:
            head = cmd[0]
            if head[0] == "ident":
                args = [self.operand(t, dot, where) for t in cmd[1:]]
                if piped:
                    args.append(value)
                value = self.call(head[1], args, dot, where)
            else:
                if len(cmd) != 1 or piped:
                    raise RenderError(f"{where}: '{head}' is not a function")
                value = self.operand(head, dot, where)
            piped = True
        return value

    def nodes(self, nodes, dot):
        out = []
        for n in nodes:
            if n[0] == "text":
                out.append(n[1])
            elif n[0] == "out":
                out.append(_printable(self.pipeline(n[1], dot, n[2]), n[2]))
            elif n[0] == "range":
                out.append(self.range(n, dot))
            else:
                kind, pipe, then, other, where = n
                v = self.pipeline(pipe, dot, where)
                if _truth(v):
                    out.append(self.nodes(then, v if kind == "with" else dot))
                else:
                    out.append(self.nodes(other, dot))
        return "".join(out)


    def range(self, n, dot):
        _, pipe, body, other, where, (key_var, value_var) = n
        v = self.pipeline(pipe, dot, where)
        if v is None or v == {} or v == []:
            return self.nodes(other, dot)
        if isinstance(v, dict):
            items = sorted(v.items())
        elif isinstance(v, list):
            items = list(enumerate(v))
        else:
            raise RenderError(f"{where}: range over a {type(v).__name__}")
        out = []
        saved = dict(self.vars)
        try:
            for key, value in items:
                if key_var:
                    self.vars[key_var] = key
                if value_var:
                    self.vars[value_var] = value
                out.append(self.nodes(body, value))
        finally:
            self.vars = saved
        return "".join(out)


# ---- the chart ---------------------------------------------------------------------------

def _merge(base, over):
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def parse_set(assignments):
    """Helm's --set a.b=c and a.list[0].b=c, the value read as YAML (true, 3, text)."""
    over = {}
    for a in assignments:
        key, sep, raw = a.partition("=")
        if not sep:
            raise RenderError(f"--set {a}: expected KEY=VALUE")
        steps = []  # dict keys and list indexes, in order
        for p in key.split("."):
            m = re.match(r"^([^\[]+)((?:\[\d+\])*)$", p)
            if not m:
                raise RenderError(f"--set {a}: cannot read the key {p!r}")
            steps.append(m.group(1))
            steps += [int(i) for i in re.findall(r"\[(\d+)\]", m.group(2))]
        node = over
        for step, nxt in zip(steps, steps[1:]):
            empty = [] if isinstance(nxt, int) else {}
            if isinstance(step, int):
                while len(node) <= step:
                    node.append(None)
                if node[step] is None:
                    node[step] = empty
                node = node[step]
            else:
                node = node.setdefault(step, empty)
        value = yaml.safe_load(raw) if raw != "" else ""
        if isinstance(steps[-1], int):
            while len(node) <= steps[-1]:
                node.append(None)
        node[steps[-1]] = value
    return over


def render_text(text, values, name="inline"):
    """One template with . = values (for tests of the renderer itself)."""
    nodes, defines = _parse(_lex(text, name))
    return _Renderer(defines, values).nodes(nodes, values)


def render_chart(chart_dir, release="reaper", namespace="reaper-system", overrides=None):
    """Render every templates/*.yaml and NOTES.txt; returns {template file name: text}."""
    with open(os.path.join(chart_dir, "Chart.yaml")) as f:
        chart = yaml.safe_load(f)
    with open(os.path.join(chart_dir, "values.yaml")) as f:
        values = yaml.safe_load(f) or {}
    values = _merge(values, overrides or {})
    root = {
        "Values": values,
        "Release": {"Name": release, "Namespace": namespace, "Service": "Helm",
                    "IsInstall": True, "IsUpgrade": False, "Revision": 1},
        "Chart": {"Name": chart.get("name"), "Version": chart.get("version"),
                  "AppVersion": chart.get("appVersion"), "Description": chart.get("description")},
    }
    tdir = os.path.join(chart_dir, "templates")
    names = sorted(os.listdir(tdir))
    defines, parsed = {}, {}
    for name in names:
        with open(os.path.join(tdir, name)) as f:
            nodes, defs = _parse(_lex(f.read(), f"templates/{name}"))
        defines.update(defs)
        if not name.startswith("_"):
            parsed[name] = nodes
    r = _Renderer(defines, root)
    return {name: r.nodes(nodes, root) for name, nodes in parsed.items()}
