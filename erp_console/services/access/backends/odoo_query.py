"""The SQL of Odoo's access model: who is in which group, what groups imply, what model access grants.

A user's groups are the rows of res_groups_users_rel plus, transitively, the groups those imply
(res_groups_implied_rel gid -> hid); a permission `<model>:<right>` is granted by every active
ir_model_access row of that model with perm_<right> set, to its group — or to every user when its
group_id is NULL. These statements are the one definition of that, used by effective permissions,
explain, who-has, previews and SoD, so they agree with each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    Integer,
    Select,
    String,
    all_,
    and_,
    func,
    inspect,
    null,
    select,
    type_coerce,
    union,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.engine import Connection

from erp_console.errors import NotFound, ValidationError
from erp_console.services.access.backends import odoo_tables as s

PATH = ARRAY(Integer, dimensions=1)
RIGHTS = ("read", "write", "create", "unlink")
PERMISSION_RE = re.compile(r"^([a-z0-9_]+(?:\.[a-z0-9_]+)+):(read|write|create|unlink)$")
GENERIC_GROUP_RE = re.compile(r"^res\.groups:(\d+)$")

u, p, g = s.res_users, s.res_partner, s.res_groups
rel, implied = s.res_groups_users_rel, s.res_groups_implied_rel
acl, model_t, xml = s.ir_model_access, s.ir_model, s.ir_model_data
log = s.res_users_log


def perm_column(right: str):
    return acl.c[f"perm_{right}"]


def parse_permission(code: str) -> tuple[str, str]:
    found = PERMISSION_RE.match((code or "").strip())
    if not found:
        raise ValidationError(
            f"'{code}' is not an Odoo permission code; codes are <model>:<read|write|create|unlink>, "
            "e.g. account.move:write",
            field="permission",
        )
    return found.group(1), found.group(2)


def translated(column, is_json: bool):
    """The en_US text of a translated column (jsonb since Odoo 16; plain text before)."""
    return column["en_US"].astext if is_json else type_coerce(column, String)


def is_json_column(conn: Connection, table: str, column: str) -> bool:
    for found in inspect(conn).get_columns(table):
        if found["name"] == column:
            return isinstance(found["type"], JSON)
    return False


# ---- groups --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupInfo:
    id: int
    code: str  # XML id module.name, or res.groups:<id> when the group has none
    name: str  # "Category / Name" as Odoo shows it
    comment: str | None
    write_date: object


def load_groups(conn: Connection, names_json: bool) -> dict[int, GroupInfo]:
    cat = s.ir_module_category
    stmt = (
        select(
            g.c.id,
            translated(g.c.name, names_json).label("name"),
            translated(g.c.comment, names_json).label("comment"),
            translated(cat.c.name, names_json).label("category"),
            xml.c.module,
            xml.c.name.label("xml_name"),
            g.c.write_date,
        )
        .outerjoin(cat, cat.c.id == g.c.category_id)
        .outerjoin(xml, and_(xml.c.model == "res.groups", xml.c.res_id == g.c.id))
        .order_by(g.c.id, xml.c.module, xml.c.name)
    )
    groups: dict[int, GroupInfo] = {}
    for row in conn.execute(stmt):
        if row.id in groups:
            continue
        code = f"{row.module}.{row.xml_name}" if row.module else f"res.groups:{row.id}"
        name = f"{row.category} / {row.name}" if row.category else row.name
        groups[row.id] = GroupInfo(row.id, code, name, row.comment, row.write_date)
    return groups


def group_id(conn: Connection, code: str) -> int:
    code = (code or "").strip()
    generic = GENERIC_GROUP_RE.match(code)
    if generic:
        found = conn.execute(select(g.c.id).where(g.c.id == int(generic.group(1)))).scalar()
    elif "." in code:
        module, _, name = code.partition(".")
        found = conn.execute(
            select(xml.c.res_id).where(
                xml.c.module == module, xml.c.name == name, xml.c.model == "res.groups"
            )
        ).scalar()
    else:
        found = None
    if found is None:
        raise NotFound(
            f"no Odoo group '{code}'; name a group by its XML id (e.g. account.group_account_manager) "
            "or as res.groups:<id>"
        )
    return found


def implied_graph(conn: Connection) -> dict[int, set[int]]:
    graph: dict[int, set[int]] = {}
    for gid, hid in conn.execute(select(implied.c.gid, implied.c.hid)):
        graph.setdefault(gid, set()).add(hid)
    return graph


def implying(graph: dict[int, set[int]], target: int) -> set[int]:
    """The group and every group that implies it, transitively."""
    found, todo = {target}, [target]
    reverse: dict[int, set[int]] = {}
    for gid, hids in graph.items():
        for hid in hids:
            reverse.setdefault(hid, set()).add(gid)
    while todo:
        for parent in reverse.get(todo.pop(), ()):
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    return found


# ---- effective permissions -----------------------------------------------------------------------


def closure_of(start: Select):
    """Recursive CTE (gid, source): every group reached from the start groups through implied_ids."""
    if not isinstance(start, Select):
        start = select(*start.subquery().c)
    cte = start.cte("odoo_group_closure", recursive=True)
    step = select(implied.c.hid, cte.c.source).join(implied, implied.c.gid == cte.c.gid)
    return cte.union(step)


def user_start(uid) -> Select:
    return select(rel.c.gid.label("gid"), rel.c.gid.label("source")).where(rel.c.uid == uid)


def groups_start(gids: list[int]) -> Select:
    return select(g.c.id.label("gid"), g.c.id.label("source")).where(g.c.id.in_(gids))


def access_rows(start: Select) -> Select:
    """(source group, model, acl name, acl group, perm_read..perm_unlink) reached from the start
    groups, plus the rules without a group (source NULL), which apply to every user."""
    closure = closure_of(start)
    perms = [acl.c.perm_read, acl.c.perm_write, acl.c.perm_create, acl.c.perm_unlink]
    by_group = (
        select(closure.c.source, model_t.c.model, acl.c.name, acl.c.group_id, *perms)
        .join(acl, acl.c.group_id == closure.c.gid)
        .join(model_t, model_t.c.id == acl.c.model_id)
        .where(acl.c.active.is_(True))
    )
    everyone = (
        select(null().label("source"), model_t.c.model, acl.c.name, acl.c.group_id, *perms)
        .join(model_t, model_t.c.id == acl.c.model_id)
        .where(acl.c.active.is_(True), acl.c.group_id.is_(None))
    )
    return union(by_group, everyone)


def holdings(conn: Connection, start: Select) -> dict[str, set[int | None]]:
    """permission code -> source groups (None: a rule without group) for the start groups."""
    found: dict[str, set[int | None]] = {}
    for row in conn.execute(access_rows(start)):
        for right, granted in zip(RIGHTS, row[4:], strict=True):
            if granted:
                found.setdefault(f"{row.model}:{right}", set()).add(row.source)
    return found


def model_exists(conn: Connection, model: str) -> bool:
    return conn.execute(select(model_t.c.id).where(model_t.c.model == model)).first() is not None


def granting_rules(conn: Connection, model: str, right: str, *, active: bool = True) -> list:
    """(name, group_id) of the access rules granting the right on the model."""
    return conn.execute(
        select(acl.c.name, acl.c.group_id)
        .join(model_t, model_t.c.id == acl.c.model_id)
        .where(model_t.c.model == model, perm_column(right).is_(True), acl.c.active.is_(active))
        .order_by(acl.c.name)
    ).all()


def holders_stmt(gids: set[int]) -> Select:
    """(uid, gid) of active users in the groups (those granting a right and those implying them).

    The groups are resolved first (a handful, from the small implied graph) so the planner sees
    the ids and seeks res_groups_users_rel's primary key (gid, uid) for each.
    """
    return (
        select(rel.c.uid, rel.c.gid)
        .join(u, u.c.id == rel.c.uid)
        .where(rel.c.gid.in_(sorted(gids)), u.c.active.is_(True))
    )


def paths_stmt(uid: int) -> Select:
    """(gid, path) of every group the user has, with the chain of groups from a direct one."""
    start = select(rel.c.gid.label("gid"), array([rel.c.gid], type_=PATH).label("path")).where(
        rel.c.uid == uid
    )
    cte = start.cte("odoo_group_paths", recursive=True)
    step = (
        select(implied.c.hid, func.array_append(cte.c.path, implied.c.hid, type_=PATH))
        .join(implied, implied.c.gid == cte.c.gid)
        .where(implied.c.hid != all_(cte.c.path))
    )
    cte = cte.union_all(step)
    return select(cte.c.gid, type_coerce(cte.c.path, PATH).label("path"))
