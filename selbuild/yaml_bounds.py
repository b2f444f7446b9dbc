"""Bounds on a YAML document before it is composed (build configs).

PyYAML's composer and constructor recurse once per nesting level (a config of
`[[[[...` 1,000 deep is a RecursionError), and an alias is a reference that
every later walk (duplicate-key scan, JSON Schema validation) expands again,
so a 324-byte "billion laughs" document costs minutes and gigabytes. The event
stream is flat, so it is walked here first, iteratively, counting the nesting
depth and the number of nodes the document has once every alias is expanded.
"""

from __future__ import annotations

import re

import yaml

from selbuild.errors import ConfigError

MAX_DEPTH = 64              # a real config nests 3 deep (backend_options.nnapi.min_api_level)
MAX_NODES = 100_000         # expanded; a config naming every kernel has ~2,000
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_yaml_bounds(text: str, where: str) -> None:
    """ConfigError when the document nests deeper than MAX_DEPTH or expands (aliases
    included) to more than MAX_NODES nodes; YAML syntax errors propagate as YAMLError."""
    stack: list[list] = []                  # [expanded node count, anchor] per open collection
    sizes: dict[str, int] = {}              # anchor -> expanded node count
    total = 0
    for ev in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            stack.append([1, ev.anchor])
            total += 1
            if len(stack) > MAX_DEPTH:
                raise ConfigError(f"{where}: nested more than {MAX_DEPTH} levels deep",
                                  hint="a build config is a flat mapping (configs/README.md)")
            continue
        if isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            n, anchor = stack.pop()
            if anchor is not None:
                sizes[anchor] = n
            if stack:
                stack[-1][0] += n
            continue
        if isinstance(ev, yaml.ScalarEvent):
            # "\ud800" in a double-quoted scalar is a lone UTF-16 surrogate: no file
            # name, message or output file can encode it (UnicodeEncodeError later).
            if _SURROGATE.search(ev.value):
                line = ev.start_mark.line + 1 if ev.start_mark else 0
                raise ConfigError(f"{where}: line {line}: a string holds an unpaired UTF-16 surrogate "
                                  "(an escape such as \\ud800), which is not text",
                                  hint="write the character itself, or a surrogate pair as one \\U escape")
            n = 1
            if ev.anchor is not None:
                sizes[ev.anchor] = 1
        elif isinstance(ev, yaml.AliasEvent):
            # An alias inside the collection it names (`&a [*a]`) makes a cyclic
            # document: every walk of it (line map, schema) would never end.
            if any(a == ev.anchor for _, a in stack):
                raise ConfigError(f"{where}: the alias *{ev.anchor} refers to a collection that contains it",
                                  hint="a build config needs no anchors or aliases; write the values out")
            n = sizes.get(ev.anchor, 1)     # an undefined alias: the composer reports it
        else:
            continue
        total += n
        if stack:
            stack[-1][0] += n
        if total > MAX_NODES:
            raise ConfigError(f"{where}: more than {MAX_NODES:,} YAML nodes once aliases are expanded",
                              hint="a build config needs no anchors or aliases; write the values out")
