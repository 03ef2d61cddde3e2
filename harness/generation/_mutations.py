"""Single-defect mutations: how to break exactly one rule of a valid packet.

Schema rules are broken at *sites* read from the schema files (a value from `x-invalid-examples`, a
dropped required key, an unknown key, a wrong JSON type, a too-long text, an empty list). Semantic
rules have one hand-written violator each, next to the rule they break.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.core.timestamps import is_calendar_timestamp
from harness.generation._coherence import retarget_code, shift
from harness.generation._pools import PROVINCES
from harness.specs.store import Located, SchemaStore
from harness.validation._paths import WILDCARD, iter_template
from harness.validation.rules.codes import TT01_FORM, parse_dossier_code
from harness.validation.rules.dossier import TERMINAL_STATUSES

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Site:
    """A place in packets of one type where one schema rule can be broken on its own."""

    template: tuple[str, ...]
    action: str  # "value" (set one of `values`), "drop" (remove `key`), "extra" (add a key)
    rule: str
    key: str = ""
    values: tuple[Any, ...] = ()
    keyword: str = ""  # the schema keyword the mutation fails ("type", "pattern", ...)
    when: tuple[str, tuple[Any, ...]] | None = None  # only where this key has one of these values


def _label(nodes: list[dict[str, Any]], keyword: str, fallback: str | None) -> str | None:
    """The innermost label for `keyword` failing in the last node of a `$ref` chain."""
    for node in reversed(nodes):
        rules = node.get("x-rules")
        if isinstance(rules, dict) and keyword in rules and node is nodes[-1]:
            return str(rules[keyword])
        if "x-rule" in node:
            return str(node["x-rule"])
    return fallback


def _failing_keyword(node: dict[str, Any], value: Any) -> str | None:
    """Which of the keywords we use rejects `value` (a tiny evaluator for label look-up only)."""
    kind = node.get("type")
    if kind == "string" and not isinstance(value, str):
        return "type"
    if kind == "integer" and (type(value) is not int):
        return "type"
    if "const" in node and value != node["const"]:
        return "const"
    if "enum" in node and value not in node["enum"]:
        return "enum"
    if isinstance(value, str):
        if len(value) < node.get("minLength", 0):
            return "minLength"
        if "maxLength" in node and len(value) > node["maxLength"]:
            return "maxLength"
        if "pattern" in node and not re.search(re.sub(r"(?<!\\)\$", r"\\Z", node["pattern"]), value):
            return "pattern"
    if type(value) is int and "minimum" in node and value < node["minimum"]:
        return "minimum"
    return None


def collect_sites(store: SchemaStore, root: Located) -> list[Site]:
    sites: list[Site] = []

    def chain(located: Located) -> list[dict[str, Any]]:
        nodes = [located.schema]
        while "$ref" in nodes[-1] and len(nodes) < 8:
            located = store.resolve(nodes[-1]["$ref"], located.base)
            nodes.append(located.schema)
        return nodes

    def holder(nodes: list[dict[str, Any]], keyword: str) -> list[dict[str, Any]]:
        """The chain up to the innermost node that declares `keyword`."""
        for index in range(len(nodes) - 1, -1, -1):
            if keyword in nodes[index]:
                return nodes[: index + 1]
        return nodes

    def visit(located: Located, template: tuple[str, ...], parent_rule: str | None, depth: int) -> None:
        if not isinstance(located.schema, dict) or depth > 20:
            return
        nodes = chain(located)
        base = located.base
        target = nodes[-1]
        # Follow the base URI along the chain for nested properties of the target.
        walk = located
        while "$ref" in walk.schema:
            walk = store.resolve(walk.schema["$ref"], walk.base)
        base = walk.base
        own = _label(nodes, "", parent_rule)
        examples = next((n["x-invalid-examples"] for n in reversed(nodes) if "x-invalid-examples" in n), None)
        if examples is not None:
            for example in examples:
                for index in range(len(nodes) - 1, -1, -1):
                    keyword = _failing_keyword(nodes[index], example)
                    if keyword:
                        rule = _label(nodes[: index + 1], keyword, parent_rule)
                        if rule:
                            sites.append(Site(template, "value", rule, values=(example,), keyword=keyword))
                        break
        kind = target.get("type")
        if kind == "string" and template:
            rule = _label(holder(nodes, "type"), "type", parent_rule)
            if rule:
                sites.append(Site(template, "value", rule, values=(7,), keyword="type"))
            no_shape = not any("pattern" in n or "enum" in n or "const" in n for n in nodes)
            for index, node in enumerate(nodes):
                if "maxLength" in node and no_shape:
                    rule = _label(nodes[: index + 1], "maxLength", parent_rule)
                    if rule:
                        sites.append(Site(template, "value", rule, values=("a" * (node["maxLength"] + 1),)))
            if "const" in target:
                rule = _label(nodes, "const", parent_rule)
                if rule:
                    sites.append(Site(template, "value", rule, values=("KhongHopLe",)))
        if kind in ("object", "array"):
            rule = _label(holder(nodes, "type"), "type", parent_rule)
            if rule:
                sites.append(Site(template, "value", rule, values=(7,), keyword="type"))
        if kind == "array":
            if target.get("minItems", 0) >= 1:
                rule = _label(nodes, "minItems", parent_rule)
                if rule:
                    sites.append(Site(template, "value", rule, values=([],)))
            if isinstance(target.get("items"), dict):
                visit(Located(target["items"], base), (*template, WILDCARD), own, depth + 1)
        if kind == "object" or "properties" in target:
            rules: dict[str, Any] = target["x-rules"] if isinstance(target.get("x-rules"), dict) else {}
            required_rule = rules.get("required") or own
            for key in target.get("required", ()):
                if required_rule:
                    sites.append(Site(template, "drop", required_rule, key=key))
            if target.get("additionalProperties") is False:
                extra_rule = rules.get("additionalProperties") or own
                if extra_rule:
                    sites.append(Site(template, "extra", extra_rule, key="TruongKhongXacDinh"))
            for key, sub in target.get("properties", {}).items():
                visit(Located(sub, base), (*template, key), own, depth + 1)
            conditionals = [c for c in target.get("allOf", ()) if isinstance(c, dict) and "if" in c]
            conditionals += [target] if "if" in target else []
            for conditional in conditionals:
                conditional_sites(conditional, template, own)

    def conditional_sites(conditional: dict[str, Any], template: tuple[str, ...], own: str | None) -> None:
        """Sites inside `then`: they apply only to objects whose discriminator selects the branch."""
        tested = conditional["if"].get("properties", {})
        if len(tested) != 1:
            return
        ((key, condition),) = tested.items()
        values = (condition["const"],) if "const" in condition else tuple(condition.get("enum", ()))
        then = conditional.get("then", {})
        then_rules = then.get("x-rules") if isinstance(then.get("x-rules"), dict) else {}
        required_rule = then_rules.get("required") or then.get("x-rule") or own
        for name in then.get("required", ()):
            if required_rule and name != key:
                sites.append(Site(template, "drop", required_rule, key=name, when=(key, values)))
        for name, sub in then.get("properties", {}).items():
            if isinstance(sub, dict) and sub.get("minLength", 0) >= 1 and "x-rule" in sub:
                sites.append(
                    Site(
                        (*template, name), "value", sub["x-rule"], values=("",), keyword="minLength", when=(key, values)
                    )
                )

    visit(root, (), None, 0)
    return sites


def set_at(packet: Any, path: Path, value: Any) -> None:
    target = packet
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def _selected(site: Site, obj: Any) -> bool:
    if site.when is None:
        return True
    key, values = site.when
    return isinstance(obj, dict) and obj.get(key) in values


def concrete(site: Site, packet: Any) -> list[Path]:
    """Paths in this packet where the site applies."""
    if site.action == "value":
        found = list(iter_template(packet, site.template))
        if site.when is not None:
            parents = dict(iter_template(packet, site.template[:-1]))
            found = [(path, value) for path, value in found if _selected(site, parents.get(path[:-1]))]
        return [path for path, _ in found]
    objects = [
        (path, obj)
        for path, obj in iter_template(packet, site.template)
        if isinstance(obj, dict) and _selected(site, obj)
    ]
    if site.action == "drop":
        return [path for path, obj in objects if site.key in obj]
    return [path for path, obj in objects if site.key not in obj]


def apply_site(site: Site, packet: Any, path: Path, rnd: random.Random) -> tuple[Any, Path]:
    """Mutate (in place where possible); returns the packet and the path of the changed value."""
    if site.action == "value":
        value = copy.deepcopy(rnd.choice(site.values))
        if not path:
            return value, path
        set_at(packet, path, value)
        return packet, path
    target = packet
    for step in path:
        target = target[step]
    if site.action == "drop":
        del target[site.key]
    else:
        target[site.key] = "giá trị không có trong đặc tả"
    return packet, (*path, site.key)


# --- semantic violators: (entity kinds, applicable, apply) per rule ID -------------------------------

Entity = dict[str, Any]
Violator = Callable[[Entity, random.Random, Any], None]


@dataclass(frozen=True)
class SemanticViolator:
    kinds: tuple[str, ...]
    applicable: Callable[[Entity, Any], bool]
    apply: Violator


def _received(entity: Entity) -> str | None:
    value = entity.get("NgayTiepNhan")
    return value if isinstance(value, str) and is_calendar_timestamp(value) else None


def _with_code(entity: Entity) -> bool:
    return parse_dossier_code(entity.get("MaHoSo")) is not None


def _due_before_receipt(entity: Entity, rnd: random.Random, packet: Any) -> None:
    received = _received(entity)
    assert received is not None
    entity["NgayHenTra"] = shift(received, days=-rnd.randint(1, 10))


def _terminal_without_end(entity: Entity, rnd: random.Random, packet: Any) -> None:
    entity["TrangThaiHoSo"] = rnd.choice(sorted(TERMINAL_STATUSES - {"10"}))
    entity["NgayKetThucXuLy"] = ""


def _returned_without_date(entity: Entity, rnd: random.Random, packet: Any) -> None:
    received = _received(entity)
    assert received is not None
    entity["TrangThaiHoSo"] = "10"
    entity["NgayKetThucXuLy"] = shift(received, days=1)
    entity["NgayTra"] = ""


def _code_date_moved(entity: Entity, rnd: random.Random, packet: Any) -> None:
    received = _received(entity)
    assert received is not None
    entity["MaHoSo"] = retarget_code(entity["MaHoSo"], received=shift(received, days=rnd.randint(1, 40)))


def _five_digit_sequence(entity: Entity, rnd: random.Random, packet: Any) -> None:
    entity["MaHoSo"] = entity["MaHoSo"] + str(rnd.randint(0, 9))


def _other_province(entity: Entity, rnd: random.Random, packet: Any) -> None:
    match = parse_dossier_code(entity["MaHoSo"])
    assert match is not None
    own = match.group("l1") or match.group("l1n")
    entity["MaHoSo"] = retarget_code(entity["MaHoSo"], province=rnd.choice(sorted(set(PROVINCES) - {own})))


def _owner_id_mismatch(entity: Entity, rnd: random.Random, packet: Any) -> None:
    kind = rnd.choice(["1", "2"])
    length = 9 if kind == "1" else 12
    entity["DinhDanhCHS"] = [
        {"LoaiDinhDanh": kind, "SoDinhDanh": "".join(rnd.choice("0123456789") for _ in range(length))}
    ]


def _impossible_time(entity: Entity, rnd: random.Random, packet: Any) -> None:
    received = _received(entity)
    assert received is not None
    field = rnd.choice(
        [
            k
            for k in ("NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra")
            if isinstance(entity.get(k), str) and len(entity[k]) == 14
        ]
    )
    value = entity[field]
    entity[field] = rnd.choice(
        [
            value[:8] + "24" + value[10:],
            value[:4] + "0230" + value[8:],
            value[:4] + "1301" + value[8:],
            value[:10] + "61" + value[12:],
        ]
    )


def _flip_checksum(entity: Entity, rnd: random.Random, packet: Any) -> None:
    value = entity["MaXacThuc"]
    entity["MaXacThuc"] = value[:-1] + ("0" if value[-1] != "0" else "1")


def _amount_off(entity: Entity, rnd: random.Random, packet: Any) -> None:
    entity["SoTien"] = str(int(entity["SoTien"]) + 1000 * rnd.randint(1, 50))


def _expires_before_issue(entity: Entity, rnd: random.Random, packet: Any) -> None:
    entity["exp"] = entity["iat"] - rnd.randint(0, 3600)


def _has_amount_lines(entity: Entity, packet: Any) -> bool:
    receipt = entity.get("ThongTinBienLai")
    return (
        isinstance(entity.get("SoTien"), str)
        and isinstance(receipt, dict)
        and bool(receipt.get("PhiLePhi") or receipt.get("DSKhoanNop"))
    )


def _result_under_way(entity: Entity, rnd: random.Random, packet: Any) -> None:
    entity["TrangThaiHoSo"] = "4"
    entity["DanhSachGiayToKetQua"] = [
        {
            "TenGiayTo": "Giấy chứng nhận",
            "MaThanhPhanHoSo": "KQ01",
            "GiayToId": str(rnd.randint(1, 10**6)),
            "DuongDanTepTinKetQua": f"https://dvc.example.gov.vn/files/{rnd.randint(1, 10**9)}",
        }
    ]


def _paid_without_fee(entity: Entity, rnd: random.Random, packet: Any) -> None:
    entity["DuocThanhToanTrucTuyen"] = rnd.choice(["1", "2"])
    entity["DanhSachLePhi"] = []


SEMANTIC: dict[str, SemanticViolator] = {
    "QCVN120-DOSSIER-DUE-DATE": SemanticViolator(
        ("dossier",), lambda e, p: _received(e) is not None, _due_before_receipt
    ),
    "QCVN120-DOSSIER-END-DATE": SemanticViolator(("dossier",), lambda e, p: True, _terminal_without_end),
    "QCVN120-DOSSIER-RETURN-DATE": SemanticViolator(
        ("dossier",), lambda e, p: _received(e) is not None, _returned_without_date
    ),
    "CODE-DOSSIER-DATE": SemanticViolator(
        ("dossier",), lambda e, p: _with_code(e) and _received(e) is not None, _code_date_moved
    ),
    "CODE-DOSSIER-TT01": SemanticViolator(
        ("dossier", "progress"), lambda e, p: TT01_FORM.match(str(e.get("MaHoSo"))) is not None, _five_digit_sequence
    ),
    "CODE-DOSSIER-PROVINCE": SemanticViolator(
        ("dossier", "progress"), lambda e, p: _with_code(e) and isinstance(p, dict) and "madonvi" in p, _other_province
    ),
    "QCVN120-OWNER-ID": SemanticViolator(("dossier",), lambda e, p: True, _owner_id_mismatch),
    "QCVN120-RESULT-AT-END": SemanticViolator(("dossier",), lambda e, p: True, _result_under_way),
    "QCVN120-PAID-FLAG": SemanticViolator(("dossier",), lambda e, p: True, _paid_without_fee),
    "FMT-DATETIME-CALENDAR": SemanticViolator(("dossier",), lambda e, p: _received(e) is not None, _impossible_time),
    "PAY-CHECKSUM": SemanticViolator(("*checksum",), lambda e, p: isinstance(e.get("MaXacThuc"), str), _flip_checksum),
    "PAY-AMOUNT": SemanticViolator(("payment_init",), _has_amount_lines, _amount_off),
    "SSO-TOKEN-TIMES": SemanticViolator(("id_token",), lambda e, p: type(e.get("iat")) is int, _expires_before_issue),
}
