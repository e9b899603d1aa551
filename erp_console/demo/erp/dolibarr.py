"""A Dolibarr-shaped demo company (`erp-console demo --erp dolibarr`): Dolibarr's identity tables
on MariaDB or PostgreSQL, filled like a French SME that runs Dolibarr 19.

Deterministic for a seed and a day. Scale 1 is about 400 users; `scale` multiplies the users and
the share-based group memberships (scale 250 is about 100k users), while the small sensitive
groups (treasury, approvers, IT support) and the administrators keep their size, as in a real
company. Rows are loaded with multi-row inserts in batches; users and groups get explicit ids and
PostgreSQL's sequences are moved past them afterwards.

`seed_store` writes the console's side: the catalogue of Dolibarr permission codes and the SoD
rules in those codes, through the audited write path of the console store.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import random
import string
import unicodedata
from collections.abc import Callable, Iterable

from sqlalchemy import Connection, func, insert, inspect, select

from erp_console.db.engine import Database, connect
from erp_console.db.models import Permission, SodRule
from erp_console.demo.erp import dolibarr_catalog as cat
from erp_console.errors import ValidationError
from erp_console.services.access.backends import dolibarr_tables as sch
from erp_console.services.core import audit

Progress = Callable[[str, int, int], None]
BASE_USERS = 400
BATCH = 2000
VERSION_INSTALLED = "18.0.4"
VERSION_UPGRADED = "19.0.2"
DOMAIN = "durand-industrie.fr"
SUPERADMIN = "admin"
# Entity-1 administrators: login, first name, last name, statut.
ADMINS = (
    ("n.durand", "Nathalie", "Durand", 1),
    ("s.leroy", "Sébastien", "Leroy", 1),
    ("p.morel", "Pierre", "Morel", 0),
)


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def _expand(patterns: Iterable[str]) -> list[int]:
    """Right ids of the codes matching the patterns (`module.perms*` style)."""
    found = [
        right_id
        for right_id, code in cat.CODES.items()
        if any(fnmatch.fnmatchcase(code, p) for p in patterns)
    ]
    missing = [
        p for p in patterns if not any(fnmatch.fnmatchcase(c, p) for c in cat.CODES.values())
    ]
    if missing:
        raise ValueError(f"demo catalogue names unknown Dolibarr rights: {missing}")
    return sorted(found)


class _Builder:
    def __init__(self, conn: Connection, scale: int, seed: int, today: dt.date, progress):
        self.conn = conn
        self.scale = scale
        self.rng = random.Random(seed)
        self.today = today
        self.now = dt.datetime.combine(today, dt.time(9, 30))
        self.progress = progress or (lambda *_: None)
        self.counts: dict[str, int] = {}

    def _insert(self, table, rows: Iterable[dict], label: str, total: int = 0) -> None:
        batch: list[dict] = []
        done = 0
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self.conn.execute(insert(table), batch)
                done += len(batch)
                batch = []
                self.progress(label, done, total)
        if batch:
            self.conn.execute(insert(table), batch)
            done += len(batch)
        self.progress(label, done, total or done)
        self.counts[table.name] = self.counts.get(table.name, 0) + done

    def _token(self, n: int, alphabet: str = string.ascii_letters + string.digits + "./") -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    # -- setup ------------------------------------------------------------------------------

    def constants(self) -> None:
        rows = [
            ("MAIN_VERSION_FIRST_INSTALL", 0, "17.0.1"),
            ("MAIN_VERSION_LAST_INSTALL", 0, VERSION_INSTALLED),
            ("MAIN_VERSION_LAST_UPGRADE", 0, VERSION_UPGRADED),
            ("MAIN_INFO_SOCIETE_NOM", 1, "Durand Industrie SAS"),
            ("MAIN_INFO_SOCIETE_NOM", 2, "Durand Services SARL"),
            ("MAIN_LANG_DEFAULT", 1, "fr_FR"),
            ("MAIN_MODULE_USER", 0, "1"),
            ("MAIN_MODULE_MULTICOMPANY", 0, "1"),
            ("MAIN_USE_ADVANCED_PERMS", 1, "1"),
        ]
        self._insert(
            sch.llx_const,
            (
                {
                    "name": n,
                    "entity": e,
                    "value": v,
                    "type": "chaine",
                    "visible": 0,
                    "tms": self.now,
                }
                for n, e, v in rows
            ),
            "constants",
        )

    def rights(self) -> None:
        self._insert(
            sch.llx_rights_def,
            (
                {
                    "id": rid,
                    "entity": entity,
                    "libelle": label,
                    "module": module,
                    "module_position": 0,
                    "family_position": 0,
                    "perms": perms,
                    "subperms": subperms,
                    "type": kind,
                    "bydefault": bydefault,
                    "enabled": "1",
                }
                for entity in (1, 2)
                for rid, module, perms, subperms, label, kind, bydefault in cat.RIGHTS
            ),
            "rights",
        )

    def groups(self) -> None:
        self.group_ids: dict[tuple[str, int], int] = {}
        rows = []
        for entity, groups in ((1, cat.GROUPS), (2, cat.GROUPS_ENTITY_2)):
            for name, (note, _patterns, _members) in groups.items():
                gid = len(self.group_ids) + 1
                self.group_ids[(name, entity)] = gid
                rows.append(
                    {
                        "rowid": gid,
                        "nom": name,
                        "entity": entity,
                        "datec": self.now - dt.timedelta(days=900),
                        "tms": self.now - dt.timedelta(days=self.rng.randint(10, 400)),
                        "note": note,
                    }
                )
        self._insert(sch.llx_usergroup, rows, "user groups")
        self._insert(
            sch.llx_usergroup_rights,
            (
                {"entity": entity, "fk_usergroup": self.group_ids[(name, entity)], "fk_id": rid}
                for entity, groups in ((1, cat.GROUPS), (2, cat.GROUPS_ENTITY_2))
                for name, (_note, patterns, _members) in groups.items()
                for rid in _expand(patterns)
            ),
            "group rights",
        )

    # -- users ------------------------------------------------------------------------------

    def users(self) -> None:
        rng = self.rng
        total = BASE_USERS * self.scale
        taken: set[str] = set()
        self.users_of: dict[int, list[int]] = {1: [], 2: []}
        self.usable: dict[int, list[int]] = {1: [], 2: []}
        self.no_rights: set[int] = set()
        self.admin_ids: list[int] = []

        def person(rowid: int, login: str, first: str, last: str, entity: int) -> dict:
            created = self.now - dt.timedelta(
                days=rng.randint(30, 2000), minutes=rng.randint(0, 900)
            )
            roll = rng.random()
            if roll < 0.78:
                last_login = self.now - dt.timedelta(
                    days=rng.randint(0, 29), minutes=rng.randint(0, 600)
                )
            elif roll < 0.92:
                last_login = self.now - dt.timedelta(
                    days=rng.randint(91, 500), minutes=rng.randint(0, 600)
                )
            else:
                last_login = None
            previous = last_login - dt.timedelta(days=rng.randint(1, 20)) if last_login else None
            return {
                "rowid": rowid,
                "entity": entity,
                "admin": 0,
                "employee": 1,
                "fk_establishment": 0,
                "datec": created,
                "tms": max(created, self.now - dt.timedelta(days=rng.randint(1, 300))),
                "fk_user_creat": 2,
                "fk_user_modif": None,
                "login": login,
                "pass_encoding": None,
                "pass": None,
                "pass_crypted": "$2y$10$" + self._token(53),
                "api_key": None,
                "gender": rng.choice(("man", "woman")),
                "civility": None,
                "lastname": last,
                "firstname": first,
                "email": f"{login}@{DOMAIN}",
                "office_phone": f"+33 1 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                "job": rng.choice(cat.JOBS),
                "datelastlogin": last_login,
                "datepreviouslogin": previous,
                "datestartvalidity": None,
                "dateendvalidity": None,
                "iplastlogin": f"10.{rng.randint(0, 20)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
                if last_login
                else None,
                "statut": 1,
                "lang": "fr_FR",
                "fk_state": 0,
                "fk_country": 1,
                "fk_barcode_type": 0,
                "nb_holiday": 0,
            }

        def rows():
            superadmin = person(1, SUPERADMIN, "", "SuperAdmin", 0)
            superadmin.update(
                admin=1, email=f"it@{DOMAIN}", job="Administrateur", fk_user_creat=None
            )
            taken.add(SUPERADMIN)
            yield superadmin
            for i, (login, first, last, statut) in enumerate(ADMINS, start=2):
                row = person(i, login, first, last, 1)
                row.update(admin=1, statut=statut, job="Administrateur")
                taken.add(login)
                self.admin_ids.append(i)
                self.users_of[1].append(i)
                if statut:
                    self.usable[1].append(i)
                yield row
            entity_2_share = max(5, total // 50)
            for rowid in range(len(ADMINS) + 2, total + 1):
                first, last = rng.choice(cat.FIRST_NAMES), rng.choice(cat.LAST_NAMES)
                base = f"{_ascii(first)[0]}.{_ascii(last).replace(' ', '')}"
                login, n = base, 1
                while login in taken:
                    n += 1
                    login = f"{base}{n}"
                taken.add(login)
                entity = 2 if rowid > total - entity_2_share else 1
                row = person(rowid, login, first, last, entity)
                roll = rng.random()
                if roll < 0.08:
                    row["statut"] = 0
                    row["datelastlogin"] = self.now - dt.timedelta(days=rng.randint(120, 900))
                elif roll < 0.11:
                    # left the company: end of validity passed, account still enabled
                    row["dateendvalidity"] = self.now - dt.timedelta(days=rng.randint(1, 200))
                elif roll < 0.14:
                    # fixed-term contract: still valid
                    row["dateendvalidity"] = self.now + dt.timedelta(days=rng.randint(10, 300))
                elif roll < 0.16:
                    # new hire, account prepared before the first day
                    row["datestartvalidity"] = self.now + dt.timedelta(days=rng.randint(3, 40))
                    row["datelastlogin"] = row["datepreviouslogin"] = row["iplastlogin"] = None
                if rng.random() < 0.01:
                    row["api_key"] = self._token(32, "0123456789abcdef")
                self.users_of[entity].append(rowid)
                if (
                    row["statut"]
                    and not row["datestartvalidity"]
                    and not (row["dateendvalidity"] and row["dateendvalidity"] < self.now)
                ):
                    self.usable[entity].append(rowid)
                yield row

        self._insert(sch.llx_user, rows(), "users", total)
        plain = [u for u in self.users_of[1] if u not in self.admin_ids]
        self.no_rights = set(rng.sample(plain, max(3, len(plain) // 20)))

    def memberships(self) -> None:
        rng = self.rng
        members: dict[tuple[str, int], set[int]] = {}
        for entity, groups in ((1, cat.GROUPS), (2, cat.GROUPS_ENTITY_2)):
            pool = [
                u
                for u in self.users_of[entity]
                if u not in self.no_rights and u not in self.admin_ids
            ]
            for name, (_note, _patterns, size) in groups.items():
                if isinstance(size, float):
                    chosen = {u for u in pool if rng.random() < size}
                else:
                    usable = [u for u in self.usable[entity] if u not in self.no_rights]
                    chosen = set(rng.sample(usable, min(size, len(usable))))
                members[(name, entity)] = chosen
        # SoD conflicts a controller would find: buyers who also validate supplier invoices, pay,
        # or approve their own purchase orders.
        buyers = sorted(members[("Achats", 1)] & set(self.usable[1]))
        for group, count in (
            ("Validation factures fournisseurs", 2),
            ("Trésorerie", 1),
            ("Approbation commandes", 1),
        ):
            members[(group, 1)] |= set(rng.sample(buyers, min(count, len(buyers))))
        self.members = members
        self._insert(
            sch.llx_usergroup_user,
            (
                {"entity": entity, "fk_user": user, "fk_usergroup": self.group_ids[(name, entity)]}
                for (name, entity), users in members.items()
                for user in sorted(users)
            ),
            "group members",
        )

    def direct_rights(self) -> None:
        rng = self.rng
        everything = [r[0] for r in cat.RIGHTS]
        # Dolibarr gives every right of a module to the administrators when it is activated.
        rows = [
            {"entity": 1, "fk_user": admin, "fk_id": rid}
            for admin in [1, *self.admin_ids]
            for rid in everything
        ]
        candidates = [
            u for u in self.users_of[1] if u not in self.no_rights and u not in self.admin_ids
        ]
        # Hand-made exceptions are everyday rights; the sensitive ones stay with their groups.
        exceptions = [1181, 1231, 121, 31, 1001, 41, 771, 111, 1004, 81, 1182, 21, 281]
        for user in rng.sample(candidates, max(6, len(candidates) // 25)):
            for rid in rng.sample(exceptions, rng.randint(1, 3)):
                rows.append({"entity": 1, "fk_user": user, "fk_id": rid})
        # one buyer holds supplier-invoice validation directly: a conflict with no group behind it
        buyers = sorted(self.members[("Achats", 1)] & set(self.usable[1]))
        if buyers:
            rows.append({"entity": 1, "fk_user": buyers[-1], "fk_id": 1233})
        unique = {(r["entity"], r["fk_user"], r["fk_id"]): r for r in rows}
        self._insert(sch.llx_user_rights, unique.values(), "user rights")

    def sequences(self) -> None:
        if self.conn.dialect.name != "postgresql":
            return
        for table in (sch.llx_user, sch.llx_usergroup):
            self.conn.execute(
                select(
                    func.setval(
                        func.pg_get_serial_sequence(table.name, "rowid"),
                        select(func.max(table.c.rowid)).scalar_subquery(),
                    )
                )
            )


def build(
    url: str,
    *,
    scale: int = 1,
    seed: int = 42,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> dict[str, int]:
    """Create Dolibarr's identity tables and a demo company in an EMPTY MariaDB/PostgreSQL
    database; returns the rows written per table."""
    if not isinstance(scale, int) or scale < 1:
        raise ValidationError(
            "must be a whole number of at least 1 (1 ≈ 400 users, 250 ≈ 100k users)",
            field="--scale",
        )
    db = connect(url)
    try:
        if db.dialect not in ("mysql", "postgresql"):
            raise ValidationError(
                "Dolibarr runs on MariaDB/MySQL or PostgreSQL; give a mysql+pymysql:// or "
                "postgresql+psycopg2:// URL",
                field="--url",
            )
        existing = set(inspect(db.engine).get_table_names())
        if existing & {t.name for t in sch.TABLES}:
            raise ValidationError(
                "the database already holds Dolibarr tables; the demo loads only into an empty database"
            )
        with db.engine.begin() as conn:
            sch.create(conn)
            builder = _Builder(conn, scale, seed, today or dt.date.today(), progress)
            for phase in (
                builder.constants,
                builder.rights,
                builder.groups,
                builder.users,
                builder.memberships,
                builder.direct_rights,
                builder.sequences,
            ):
                phase()
        refresh_statistics(db)
        return builder.counts
    finally:
        db.dispose()


def refresh_statistics(db: Database) -> None:
    """Planner statistics after the bulk load, as a live Dolibarr database has them."""
    with db.engine.begin() as conn:
        quote = conn.dialect.identifier_preparer.quote
        for table in sch.TABLES:
            if db.dialect == "postgresql":
                conn.exec_driver_sql(f"ANALYZE {quote(table.name)}")
            else:
                conn.exec_driver_sql(f"ANALYZE TABLE {quote(table.name)}").all()


def seed_store(store: Database, *, actor: str) -> dict[str, int]:
    """Put the Dolibarr permission codes and the SoD rules in those codes into the console store,
    in one audited transaction; codes and rules already there are left as they are."""
    with audit.change(
        store,
        actor=actor,
        action="demo.erp.seed",
        target_type="database",
        target_label="dolibarr",
        reason="Dolibarr permission catalogue and SoD rules for the Dolibarr demo",
    ) as ch:
        s = ch.session
        have = set(s.scalars(select(Permission.code)))
        added = []
        for _rid, module, perms, subperms, label, _kind, _default in cat.RIGHTS:
            code = cat.code_of(module, perms, subperms)
            if code in have:
                continue
            have.add(code)
            s.add(Permission(code=code, module=module, description=label, risk=cat.risk_of(code)))
            added.append(code)
        s.flush()
        ids = dict(s.execute(select(Permission.code, Permission.id)).all())
        rules = set(s.scalars(select(SodRule.name)))
        new_rules = []
        for name, a, b, severity, description in cat.SOD_RULES:
            if name in rules:
                continue
            s.add(
                SodRule(
                    name=name,
                    permission_a_id=ids[a],
                    permission_b_id=ids[b],
                    severity=severity,
                    description=description,
                )
            )
            new_rules.append(name)
        ch.after = {"permissions": len(added), "sod_rules": new_rules}
    return {"permission": len(added), "sod_rule": len(new_rules)}
