"""Reading a config file: YAML text to a checked :class:`ConfigSpec`, every problem at its line.

The text is composed into PyYAML's node tree with the safe loader only (nothing is
constructed from tags), so each section, entry and field keeps its line number for messages.
Files over :data:`MAX_CONFIG_BYTES` are refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Bad, ConfigError, Problems, did_you_mean, shown
from .parsers import MERGE, NULL, check_tag
from .schema import SECTIONS, ConfigSpec, Entry, Section, section_list
from .validate import check_cycles, check_duplicates, check_kpi, require

MAX_CONFIG_BYTES = 5 * 1024 * 1024

# The safe loader only; the LibYAML one when PyYAML has it (about four times faster).
_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)


def load_config(path: Path) -> ConfigSpec:
    """Read and check a config file; raises ConfigError listing every problem."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError([_too_large(source, size)])
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError([f"{source}: cannot read the file: {exc.strerror or exc}"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [f"{source}: is not UTF-8 text (byte {exc.start}); save the file as UTF-8"]
        ) from None
    return parse_config(text, source)


def _too_large(source: str, size: int) -> str:
    return (
        f"{source}: the file is {size / 1024 / 1024:.1f} MB; config files may be at most "
        f"{MAX_CONFIG_BYTES // 1024 // 1024} MB"
    )


def parse_config(text: str, source: str = "<config>") -> ConfigSpec:
    """Parse and check config text on its own (references to the database are checked by
    :func:`~commands.configfile.apply.apply_config`); raises ConfigError listing every
    problem."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_CONFIG_BYTES:
        raise ConfigError([_too_large(source, size)])
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        if mark is not None and "\t" in _line_text(text, mark.line):
            problem += " (YAML is indented with spaces; this line has a tab)"
        raise ConfigError([f"{where}: not valid YAML: {problem}"]) from None

    problems = Problems(source)
    if root is None:
        raise ConfigError([f"{source}: the file is empty; expected sections {section_list()}"])
    if not isinstance(root, MappingNode):
        problems.add(
            _line(root),
            f"the top level must be a mapping of sections ({section_list()}), "
            f"not {_describe(root)}",
        )
        problems.raise_if_any()
    assert isinstance(root, MappingNode)

    parsed: dict[str, list[Entry]] = {name: [] for name in SECTIONS}
    seen_sections: dict[str, int] = {}
    for key_node, value_node in root.value:
        name = _scalar_key(key_node)
        line = _line(key_node)
        if name is None:
            problems.add(line, "section names must be plain words")
            continue
        if name not in SECTIONS:
            problems.add(
                line,
                f"unknown section '{shown(name)}'{did_you_mean(name, SECTIONS)}; "
                f"the sections are {section_list()}",
            )
            continue
        if name in seen_sections:
            problems.add(
                line, f"section '{name}' appears twice (first at line {seen_sections[name]})"
            )
            continue
        seen_sections[name] = line
        section = SECTIONS[name]
        if isinstance(value_node, ScalarNode) and value_node.tag == NULL:
            continue
        if not isinstance(value_node, SequenceNode):
            problems.add(
                _line(value_node),
                f"section '{name}' must be a list of entries (each starting with '- '), "
                f"not {_describe(value_node)}",
            )
            continue
        for index, item in enumerate(value_node.value, start=1):
            entry = _parse_entry(section, index, item, problems)
            if entry is not None:
                parsed[name].append(entry)

    for name, entries in parsed.items():
        check_duplicates(SECTIONS[name], entries, problems)
    check_cycles(
        {e.key: (e.fields.get("parent"), e.line_of("parent")) for e in parsed["goals"]},
        set(),
        problems,
    )
    problems.raise_if_any()
    return ConfigSpec(
        source=source,
        teams=tuple(parsed["teams"]),
        goals=tuple(parsed["goals"]),
        kpis=tuple(parsed["kpis"]),
        v2mom=tuple(parsed["v2mom"]),
        people=tuple(parsed["people"]),
    )


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _line_text(text: str, index: int) -> str:
    lines = text.splitlines()
    return lines[index] if 0 <= index < len(lines) else ""


def _describe(node: Node) -> str:
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    return f"the value '{shown(str(node.value))}'"


def _scalar_key(node: Node) -> str | None:
    if isinstance(node, ScalarNode) and node.tag != NULL:
        return str(node.value)
    return None


def _parse_entry(section: Section, index: int, node: Node, problems: Problems) -> Entry | None:
    line = _line(node)
    if not isinstance(node, MappingNode):
        problems.add(
            line,
            f"{section.name} entry {index}: each entry must be a mapping like "
            f"{{{section.key_field}: ..., ...}}, not {_describe(node)}",
        )
        return None

    label = f"{section.name} entry {index}"
    try:
        check_tag(node)
    except Bad as exc:
        problems.add(line, f"{label}: {exc}")
        return None
    # Find the key first so every later message can name the entry.
    for key_node, value_node in node.value:
        if _scalar_key(key_node) == section.key_field:
            try:
                key = section.parsers[section.key_field](value_node)
            except Bad:
                break
            if key is not None:
                label = f"{section.label} '{key}'"
            break

    fields: dict[str, Any] = {}
    lines: dict[str, int] = {}
    failed: set[str] = set()
    ok = True
    for key_node, value_node in node.value:
        try:
            name, value = _read_field(section, key_node, value_node, lines, failed)
        except Bad as exc:
            problems.add(_line(key_node), f"{label}: {exc}")
            ok = False
            continue
        if value is not None:
            fields[name] = value

    for name in section.required:
        ok = require(label, name, fields, lines, failed, line, problems) and ok
    if section.entity == "kpi":
        ok = check_kpi(label, fields, lines, failed, line, problems) and ok
    if section.entity == "goal" and "parent" in fields and fields["parent"] == fields.get("key"):
        problems.add(lines["parent"], f"{label}: a goal cannot be its own parent")
        ok = False
    if not ok:
        return None
    return Entry(section.entity, fields[section.key_field], line, fields, lines)


def _read_field(
    section: Section, key_node: Node, value_node: Node, lines: dict[str, int], failed: set[str]
) -> tuple[str, Any]:
    """One field of an entry, its name and checked value; notes its line in `lines`.

    Raises Bad for a field to report; a field whose value is bad is also added to `failed`.
    """
    name = _scalar_key(key_node)
    if key_node.tag == MERGE:
        raise Bad("merge keys (<<) are not supported; write the fields out")
    if name is None:
        raise Bad("field names must be plain words")
    if name in lines:
        raise Bad(f"field '{name}' appears twice (first at line {lines[name]})")
    lines[name] = _line(key_node)
    parser = section.parsers.get(name)
    if parser is None:
        known = ", ".join(section.parsers)
        raise Bad(
            f"unknown field '{shown(name)}'{did_you_mean(name, section.parsers)}; "
            f"the fields of {section.name} are {known}"
        )
    try:
        return name, parser(value_node)
    except Bad as exc:
        failed.add(name)
        raise Bad(f"{name}: {exc}") from None
