"""Build the demo ERP with bulk inserts: deterministic for a seed and a day, scalable with --scale.

Rows get explicit ids so foreign keys can be wired without round trips; PostgreSQL sequences are
moved past them afterwards.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import math
import random
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, text

from erp_console.db import models as m
from erp_console.db.engine import Database
from erp_console.demo import catalog as cat
from erp_console.demo import texts as tx
from erp_console.errors import ValidationError
from erp_console.services.core import audit
from erp_console.services.lifecycle.stage import THRESHOLDS

Progress = Callable[[str, int, int], None]
BATCH = 5000
BASE_USERS = 400
BASE_LOG_LINES = 50_000
# Extra log lines per unit of scale above 1, so that --scale 250 gives about one million.
LOG_LINES_PER_SCALE = 3_815
GO_LIVE_DAYS_AGO = 240
ASSURANCE_DAYS = 150

# Stage thresholds come from the lifecycle service; the coverage limit belongs to process coverage.
STAGE_SETTINGS = {key: (default, desc) for key, (default, desc, _type) in THRESHOLDS.items()} | {
    "coverage.excess_limit": (
        "15",
        "More holders than this of a high/critical permission in a process step is 'excess'",
    ),
}


@dataclass(frozen=True)
class DemoSummary:
    counts: dict[str, int]
    seconds: float


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


class _Builder:
    def __init__(
        self,
        conn: Connection,
        scale: int,
        seed: int,
        today: dt.date,
        progress: Progress | None,
        log_lines: int | None = None,
    ):
        self.conn = conn
        self.scale = scale
        self.rng = random.Random(seed)
        self.today = today
        # The company's day is at 09:30; built earlier than that today, it is now (UTC), so no
        # log line, login or incident lies in the future.
        morning = dt.datetime.combine(today, dt.time(9, 30))
        clock = m.utcnow().replace(second=0, microsecond=0)
        self.now = min(morning, clock) if clock.date() == today else morning
        self.go_live = today - dt.timedelta(days=GO_LIVE_DAYS_AGO)
        self.go_live_at = dt.datetime.combine(self.go_live, dt.time(6, 0))
        self.progress = progress or (lambda *_: None)
        self.counts: dict[str, int] = {}
        self.log_lines = log_lines

    # -- helpers ---------------------------------------------------------------------------

    def _insert(self, model, rows: Iterable[dict], label: str | None = None, total: int = 0) -> int:
        table = model.__table__
        batch: list[dict] = []
        done = 0
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self.conn.execute(insert(table), batch)
                done += len(batch)
                batch = []
                if label:
                    self.progress(label, done, max(total, done))  # total is an estimate
        if batch:
            self.conn.execute(insert(table), batch)
            done += len(batch)
        if label:
            self.progress(label, done, done)  # finished: what was written is the total
        self.counts[table.name] = self.counts.get(table.name, 0) + done
        return done

    def _at(self, day: dt.date, hour_lo: int = 7, hour_hi: int = 18) -> dt.datetime:
        return dt.datetime.combine(
            day,
            dt.time(
                self.rng.randint(hour_lo, hour_hi), self.rng.randint(0, 59), self.rng.randint(0, 59)
            ),
        )

    # -- organisation and access -------------------------------------------------------------

    def organisation(self) -> None:
        self.dept_ids = {code: i for i, (code, _n, _p) in enumerate(cat.DEPARTMENTS, start=1)}
        self._insert(
            m.Department,
            (
                {
                    "id": self.dept_ids[code],
                    "code": code,
                    "name": name,
                    "parent_id": self.dept_ids[parent] if parent else None,
                    "active": True,
                    "version": 1,
                }
                for code, name, parent in cat.DEPARTMENTS
            ),
        )
        codes = cat.permission_codes()
        self.perm_ids = {code: i for i, code in enumerate(codes, start=1)}
        self._insert(
            m.Permission,
            (
                {
                    "id": i,
                    "code": code,
                    "module": code.split(".")[0],
                    "description": cat.describe(code),
                    "risk": cat.risk_of(code),
                }
                for code, i in self.perm_ids.items()
            ),
        )
        self.role_ids = {code: i for i, code in enumerate(cat.ROLES, start=1)}
        self.role_perms: dict[str, set[str]] = {}
        for code, (_name, patterns) in cat.ROLES.items():
            self.role_perms[code] = {
                p for p in codes if any(fnmatch.fnmatchcase(p, pat) for pat in patterns)
            }
        self._insert(
            m.Role,
            (
                {
                    "id": self.role_ids[code],
                    "code": code,
                    "name": name,
                    "description": f"{name}: {len(self.role_perms[code])} permissions",
                    "version": 1,
                }
                for code, (name, _p) in cat.ROLES.items()
            ),
        )
        self._insert(
            m.RolePermission,
            (
                {"role_id": self.role_ids[role], "permission_id": self.perm_ids[p]}
                for role, perms in self.role_perms.items()
                for p in sorted(perms)
            ),
        )
        self._insert(
            m.DepartmentRole,
            (
                {"department_id": self.dept_ids[dept], "role_id": self.role_ids[role]}
                for dept, roles in cat.DEPARTMENT_DEFAULT_ROLES.items()
                for role in roles
            ),
        )
        self._insert(
            m.SodRule,
            (
                {
                    "id": i,
                    "name": name,
                    "permission_a_id": self.perm_ids[a],
                    "permission_b_id": self.perm_ids[b],
                    "severity": sev,
                    "description": desc,
                }
                for i, (name, a, b, sev, desc) in enumerate(cat.SOD_RULES, start=1)
            ),
        )

    def users(self) -> None:
        rng = self.rng
        total = BASE_USERS * self.scale
        leaf_depts = [code for code in self.dept_ids if code in cat.DEPARTMENT_DEFAULT_ROLES]
        weights = [
            6
            if code.startswith(("PRD-P", "LOG-WH", "SAL-"))
            else 3
            if code.startswith(("FIN", "PUR"))
            else 2
            for code in leaf_depts
        ]
        taken: dict[str, int] = {}
        self.users_meta: list[tuple[int, str, str, str]] = []  # id, login, dept, status
        self.active_logins: list[str] = []
        hire_start = self.go_live - dt.timedelta(days=30)

        def rows():
            for uid in range(1, total + 1):
                first, last = rng.choice(cat.FIRST_NAMES), rng.choice(cat.LAST_NAMES)
                base = f"{_ascii(first)[0]}{_ascii(last)}"[:60]
                n = taken.get(base, 0)
                taken[base] = n + 1
                login = base if n == 0 else f"{base}{n + 1}"
                dept = rng.choices(leaf_depts, weights)[0]
                r = rng.random()
                valid_from = (
                    hire_start
                    if rng.random() < 0.8
                    else self.go_live + dt.timedelta(days=rng.randint(0, GO_LIVE_DAYS_AGO - 10))
                )
                valid_to = None
                lock_reason = None
                status = "active"
                last_login = self.now - dt.timedelta(
                    days=rng.uniform(0, 14), hours=rng.uniform(0, 10)
                )
                if r < 0.04:
                    status, lock_reason = "locked", rng.choice(tx.LOCK_REASONS)
                elif r < 0.10:
                    status = "disabled"
                    valid_to = self.today - dt.timedelta(days=rng.randint(10, 200))
                    last_login = dt.datetime.combine(valid_to, dt.time(16, 0)) - dt.timedelta(
                        days=rng.randint(0, 5)
                    )
                elif r < 0.13:
                    valid_to = self.today - dt.timedelta(days=rng.randint(3, 60))
                elif r < 0.19:
                    last_login = (
                        None
                        if rng.random() < 0.3
                        else self.now - dt.timedelta(days=rng.randint(95, 220))
                    )
                elif r < 0.25:
                    valid_to = self.today + dt.timedelta(days=rng.randint(30, 365))
                if valid_to is not None and valid_to < valid_from:
                    valid_from = valid_to - dt.timedelta(days=rng.randint(30, 120))
                if last_login is not None and last_login.date() < valid_from:
                    last_login = dt.datetime.combine(valid_from, dt.time(10, 0))
                self.users_meta.append((uid, login, dept, status))
                if (
                    status == "active"
                    and last_login is not None
                    and last_login > self.now - dt.timedelta(days=30)
                ):
                    self.active_logins.append(login)
                domain = "northwind.example"
                yield {
                    "id": uid,
                    "login": login,
                    "login_key": login.lower(),
                    "full_name": f"{first} {last}",
                    "email": f"{_ascii(first)}.{_ascii(last)}{'' if n == 0 else n + 1}@{domain}",
                    "department_id": self.dept_ids[dept],
                    "status": status,
                    "lock_reason": lock_reason,
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                    "last_login_at": last_login,
                    "created_at": dt.datetime.combine(min(valid_from, self.today), dt.time(8, 0)),
                    "version": 1,
                }

        self._insert(m.ErpUser, rows(), "users", total)

    def grants(self) -> None:
        rng = self.rng
        initial_at = dt.datetime.combine(self.go_live - dt.timedelta(days=7), dt.time(20, 0))
        violators = set(
            rng.sample(
                range(1, len(self.users_meta) + 1),
                k=min(len(self.users_meta), 2 * len(cat.VIOLATING_PAIRS) * self.scale),
            )
        )
        grant_id = 0
        total = len(self.users_meta) * 2

        def rows():
            nonlocal grant_id
            for uid, _login, dept, _status in self.users_meta:
                roles = list(cat.DEPARTMENT_DEFAULT_ROLES.get(dept, ["ESS_EMPLOYEE"]))
                extra = cat.EXTRA_ROLES.get(dept)
                if extra and rng.random() < 0.12:
                    roles.append(rng.choice(extra))
                if uid in violators:
                    roles.extend(cat.VIOLATING_PAIRS[uid % len(cat.VIOLATING_PAIRS)])
                if rng.random() < 0.04:
                    roles.append("MGR_APPROVER")
                for role in dict.fromkeys(roles):
                    grant_id += 1
                    valid_to = None
                    reason = "Initial role mapping at go-live (migration)"
                    granted_by, granted_at = "migration", initial_at
                    valid_from = None
                    if (
                        role not in cat.DEPARTMENT_DEFAULT_ROLES.get(dept, [])
                        and role != "ESS_EMPLOYEE"
                    ):
                        granted_by = rng.choice(("mkeller", "jnovak", "helpdesk1"))
                        granted_at = self._at(
                            self.go_live + dt.timedelta(days=rng.randint(1, GO_LIVE_DAYS_AGO - 2))
                        )
                        reason = rng.choice(
                            (
                                "Ticket INC-{n}: needs access for month-end",
                                "Stand-in during colleague's leave",
                                "Key user for project rollout",
                                "Approved by department head, ticket REQ-{n}",
                            )
                        ).format(n=rng.randint(1000, 9999))
                        r = rng.random()
                        if r < 0.2:
                            valid_to = self.today - dt.timedelta(days=rng.randint(1, 60))
                        elif r < 0.45:
                            valid_to = self.today + dt.timedelta(days=rng.randint(5, 120))
                        valid_from = granted_at.date()
                        if valid_to is not None and valid_to < valid_from:
                            valid_from = valid_to
                    yield {
                        "id": grant_id,
                        "user_id": uid,
                        "role_id": self.role_ids[role],
                        "valid_from": valid_from,
                        "valid_to": valid_to,
                        "granted_by": granted_by,
                        "granted_at": granted_at,
                        "reason": reason,
                    }

        self._insert(m.UserRole, rows(), "role grants", total)

    # -- lifecycle ---------------------------------------------------------------------------

    def lifecycle(self) -> None:
        rng = self.rng
        self._insert(
            m.SystemProfile,
            [
                {
                    "id": 1,
                    "erp_name": "Northwind Industries ERP",
                    "company": "Northwind Industries GmbH",
                    "go_live_date": self.go_live,
                    "version": 1,
                }
            ],
        )
        self._insert(
            m.Setting,
            ({"key": k, "value": v, "description": d} for k, (v, d) in STAGE_SETTINGS.items()),
        )
        switch = self.go_live_at + dt.timedelta(days=ASSURANCE_DAYS)
        self._insert(
            m.StageHistory,
            [
                {
                    "id": 1,
                    "stage": "assurance",
                    "started_at": self.go_live_at,
                    "ended_at": switch,
                    "decided_by": "mkeller",
                    "note": "Go-live of FI, CO, MM, SD, PP and HR in all plants",
                    "override_reason": None,
                },
                {
                    "id": 2,
                    "stage": "optimization",
                    "started_at": switch,
                    "ended_at": None,
                    "decided_by": "mkeller",
                    "note": "Assurance criteria met: incident rate at a fifth of its peak, no open critical incidents",
                    "override_reason": None,
                },
            ],
        )
        modules = list(cat.PERMISSION_TREE)
        weeks = GO_LIVE_DAYS_AGO // 7 + 1
        severities, sev_weights = ("critical", "high", "medium", "low"), (3, 15, 45, 37)
        resolve_hours = {
            "critical": (2, 30),
            "high": (8, 96),
            "medium": (24, 300),
            "low": (48, 900),
        }
        incidents: list[dict] = []
        for week in range(weeks):
            assurance_rate = 22 + 7 * week if week < 2 else 3 + 33 * math.exp(-(week - 2) / 4.5)
            optimisation_rate = (
                0 if week < 6 else 1.5 + 3 * min(1, (week - 6) / 8) * (1 if week < 26 else 0.6)
            )
            new_rate = 0 if week < 14 else min(3.5, 0.5 + (week - 14) * 0.2)
            plan = [
                ("assurance", assurance_rate),
                ("optimisation", optimisation_rate),
                ("new", new_rate),
            ]
            for group, rate in plan:
                for _ in range(_poisson(rng, rate)):
                    if group == "assurance":
                        category = rng.choices(m.ASSURANCE_CATEGORIES, (45, 35, 20))[0]
                    elif group == "optimisation":
                        category = rng.choice(("design_problem", "unrealized_function"))
                    else:
                        category = "new_requirement"
                    day = self.go_live + dt.timedelta(days=week * 7 + rng.randint(0, 6))
                    if day > self.today:
                        continue
                    opened = self._at(day)
                    if opened > self.now:
                        continue
                    severity = rng.choices(severities, sev_weights)[0]
                    if category == "new_requirement":
                        severity = rng.choice(("medium", "low"))
                    module = rng.choice(modules)
                    perm = rng.choice([p for p in self.perm_ids if p.startswith(module)])
                    tcode = rng.choice(tx.TRANSACTIONS[module])
                    title = rng.choice(tx.INCIDENT_TITLES[category]).format(tx=tcode, perm=perm)
                    lo, hi = resolve_hours[severity]
                    if category in ("design_problem", "unrealized_function", "new_requirement"):
                        hi *= 3
                    resolved = opened + dt.timedelta(hours=rng.uniform(lo, hi))
                    status, resolution = (
                        "resolved",
                        tx.RESOLUTIONS[category].format(
                            tr=f"NWDK9{rng.randint(10000, 99999)}",
                            role=rng.choice(list(self.role_ids)),
                        ),
                    )
                    if resolved > self.now:
                        status, resolved, resolution = (
                            rng.choice(("open", "in_progress")),
                            None,
                            None,
                        )
                    incidents.append(
                        {
                            "title": title,
                            "description": f"Reported via helpdesk. Transaction {tcode}, module {module}.",
                            "category": category,
                            "severity": severity,
                            "module": module,
                            "reporter": rng.choice(self.active_logins)
                            if self.active_logins
                            else "helpdesk1",
                            "opened_at": opened,
                            "resolved_at": resolved,
                            "status": status,
                            "resolution": resolution,
                            "version": 1,
                        }
                    )
        incidents.sort(key=lambda r: r["opened_at"])
        for i, row in enumerate(incidents, start=1):
            row["id"] = i
        self.incidents = incidents
        self._insert(m.Incident, incidents)
        self.change_requests: list[dict] = []
        cr_id = 0
        for inc in incidents:
            if inc["category"] in ("design_problem", "unrealized_function") and rng.random() < 0.45:
                kind = "optimization"
            elif inc["category"] == "new_requirement" and rng.random() < 0.75:
                kind = "expansion"
            else:
                continue
            cr_id += 1
            requested = min(
                inc["opened_at"] + dt.timedelta(days=rng.randint(0, 5)),
                self.now,
            )
            age = (self.now - requested).days
            if age > 90:
                status = rng.choices(("done", "rejected", "in_progress"), (75, 12, 13))[0]
            elif age > 30:
                status = rng.choices(
                    ("done", "in_progress", "approved", "rejected"), (35, 35, 20, 10)
                )[0]
            else:
                status = rng.choices(("proposed", "approved", "in_progress"), (55, 30, 15))[0]
            decided = (
                min(requested + dt.timedelta(days=rng.randint(2, 14)), self.now)
                if status != "proposed"
                else None
            )
            done = (
                decided + dt.timedelta(days=rng.randint(10, 60))
                if status == "done" and decided
                else None
            )
            if done and done > self.now:
                done, status = None, "in_progress"
            self.change_requests.append(
                {
                    "id": cr_id,
                    "kind": kind,
                    "title": inc["title"],
                    "description": f"Raised from incident #{inc['id']}.",
                    "status": status,
                    "is_new_function": kind == "expansion"
                    or inc["category"] == "unrealized_function",
                    "module": inc["module"],
                    "origin_incident_id": inc["id"],
                    "requested_by": inc["reporter"],
                    "requested_at": requested,
                    "decided_at": decided,
                    "done_at": done,
                    "status_reason": "Out of scope for this release"
                    if status == "rejected"
                    else None,
                    "version": 1,
                }
            )
        self._insert(m.ChangeRequest, self.change_requests)

    # -- processes ---------------------------------------------------------------------------

    def processes(self) -> None:
        rng = self.rng
        version_id = step_id = 0
        self.process_ids: dict[str, int] = {}
        self.step_ids: dict[str, list[int]] = {}
        procs, versions, steps = [], [], []
        for pid, (code, name, owner, step_defs) in enumerate(cat.PROCESSES, start=1):
            self.process_ids[code] = pid
            procs.append(
                {
                    "id": pid,
                    "code": code,
                    "name": name,
                    "description": f"{name} as designed for go-live.",
                    "owner_department_id": self.dept_ids[owner],
                    "status": "active",
                    "version": 1,
                }
            )
            variants = [step_defs]
            if code == "P2P":
                variants.append(
                    step_defs[:5]
                    + [("Three-way match check", "FI.INVOICE.APPROVE", "FIN-AP")]
                    + step_defs[5:]
                )
            if code == "O2C":
                variants.append([s for s in step_defs if s[0] != "Create quotation"])
            for number, defs in enumerate(variants, start=1):
                version_id += 1
                effective = self.go_live if number == 1 else self.go_live + dt.timedelta(days=170)
                versions.append(
                    {
                        "id": version_id,
                        "process_id": pid,
                        "number": number,
                        "effective_from": effective,
                        "note": "Go-live design"
                        if number == 1
                        else "Optimisation after process review",
                        "created_by": "mkeller",
                        "created_at": dt.datetime.combine(effective, dt.time(8, 0)),
                    }
                )
                ids = []
                for seq, (step_name, perm, dept) in enumerate(defs, start=1):
                    step_id += 1
                    ids.append(step_id)
                    steps.append(
                        {
                            "id": step_id,
                            "version_id": version_id,
                            "seq": seq * 10,
                            "name": step_name,
                            "permission_id": self.perm_ids[perm],
                            "department_id": self.dept_ids[dept] if dept else None,
                            "role_id": None,
                        }
                    )
                self.step_ids[code] = ids
        self._insert(m.BusinessProcess, procs)
        self._insert(m.ProcessVersion, versions)
        self._insert(m.ProcessStep, steps)
        reviews = [
            (
                1,
                "P2P",
                "mkeller",
                120,
                150,
                "needs_optimization",
                "Three-way match missing; approvals too slow.",
            ),
            (
                2,
                "O2C",
                "jnovak",
                140,
                160,
                "fit",
                "Process fits; quotation step rarely used and dropped in v2.",
            ),
            (3, "P2PR", "mkeller", 200, None, None, None),
            (4, "INV", "aschulz", 225, None, None, None),
        ]
        review_rows, findings = [], []
        finding_texts = {
            "P2P": [
                (
                    "inconvenient_operation",
                    "high",
                    "Approving a PO needs five screens; approvers batch them weekly.",
                ),
                (
                    "permission_gap",
                    "medium",
                    "Invoice clerks cannot see goods receipts of other plants.",
                ),
                ("unrealized_function", "medium", "No automatic three-way match before payment."),
            ],
            "O2C": [("obsolete_step", "low", "Quotations are created in the CRM, not in the ERP.")],
            "P2PR": [
                (
                    "permission_gap",
                    "high",
                    "Nobody in planning can close production orders; orders stay open for months.",
                ),
                (
                    "excess_permission",
                    "medium",
                    "Every shop floor supervisor can post goods receipts.",
                ),
            ],
            "INV": [
                ("inconvenient_operation", "medium", "Count results are typed from paper lists.")
            ],
        }
        fid = 0
        open_crs = [c for c in self.change_requests if c["kind"] == "optimization"]
        for rid, code, reviewer, opened_day, closed_day, outcome, note in reviews:
            opened_at = self._at(self.go_live + dt.timedelta(days=opened_day))
            review_rows.append(
                {
                    "id": rid,
                    "process_id": self.process_ids[code],
                    "reviewer": reviewer,
                    "scope": f"Full review of {code} against current business needs",
                    "opened_at": opened_at,
                    "closed_at": self._at(self.go_live + dt.timedelta(days=closed_day))
                    if closed_day
                    else None,
                    "outcome": outcome,
                    "outcome_note": note,
                    "coverage_snapshot": None,
                    "version": 1,
                }
            )
            for kind, severity, text_ in finding_texts[code]:
                fid += 1
                linked = (
                    open_crs.pop(0)["id"]
                    if closed_day and open_crs and kind != "obsolete_step"
                    else None
                )
                findings.append(
                    {
                        "id": fid,
                        "review_id": rid,
                        "kind": kind,
                        "severity": severity,
                        "step_id": rng.choice(self.step_ids[code]),
                        "text": text_,
                        "status": "closed" if closed_day else "open",
                        "change_request_id": linked,
                        "created_at": opened_at + dt.timedelta(days=2),
                    }
                )
        self._insert(m.ProcessReview, review_rows)
        self._insert(m.ReviewFinding, findings)

    # -- records -----------------------------------------------------------------------------

    def system_logs(self) -> None:
        rng = self.rng
        total = (
            self.log_lines
            if self.log_lines is not None
            else BASE_LOG_LINES + LOG_LINES_PER_SCALE * (self.scale - 1)
        )
        span = dt.timedelta(days=14)
        start = self.now - span
        step = span / total
        logins = self.active_logins or ["helpdesk1"]
        perms = list(self.perm_ids)
        modules = list(tx.TRANSACTIONS)

        def rows():
            for i in range(1, total + 1):
                # Evenly spread with jitter inside each line's slot: in order, none past now
                # (a random walk overshot the span and piled lines up on one timestamp).
                ts = start + step * (i - rng.random())
                r = rng.random()
                login = rng.choice(logins)
                host = rng.choice(tx_hosts)
                if r < 0.22:
                    level, source, event, msg = (
                        "INFO",
                        "BASIS.AUTH",
                        "LOGIN",
                        f"User {login} logged on from 10.20.{rng.randint(1, 40)}.{rng.randint(2, 250)}",
                    )
                elif r < 0.30:
                    level, source, event, msg = (
                        "INFO",
                        "BASIS.AUTH",
                        "LOGOUT",
                        f"User {login} logged off",
                    )
                elif r < 0.34:
                    level, source, event, msg = (
                        "WARNING",
                        "BASIS.AUTH",
                        "LOGIN_FAILED",
                        f"Logon failed for {login}: wrong password (attempt {rng.randint(1, 5)} of 5)",
                    )
                elif r < 0.40:
                    perm = rng.choice(perms)
                    module = perm.split(".")[0]
                    level, source, event = "WARNING", module, "AUTH_CHECK_FAILED"
                    msg = f"Authorization check failed for {perm} in transaction {rng.choice(tx.TRANSACTIONS[module])} (user {login})"
                elif r < 0.80:
                    module = rng.choice(modules)
                    tcode = rng.choice(tx.TRANSACTIONS[module])
                    level, source, event = "INFO", module, "TRANSACTION"
                    msg = f"{login} started transaction {tcode}"
                    if rng.random() < 0.5:
                        event, msg = (
                            "DOC_POSTED",
                            f"Document {rng.randint(1000000, 9999999)} posted by {tcode} in company code {rng.choice((1000, 2000, 3100))}",
                        )
                elif r < 0.94:
                    job = rng.choice(tx.JOB_NAMES)
                    login, host = "batch", "erp-batch01"
                    if rng.random() < 0.1:
                        level, event, msg = (
                            "ERROR",
                            "JOB_ABORTED",
                            f"Job {job} aborted: {rng.choice(tx.DUMPS)} in {rng.choice(tx.PROGRAMS)}",
                        )
                    else:
                        level, event, msg = (
                            "INFO",
                            "JOB_FINISHED",
                            f"Job {job} finished in {rng.randint(3, 900)} s",
                        )
                    source = "BASIS.JOB"
                elif r < 0.995:
                    level, source, event = "ERROR", rng.choice(modules), "SHORT_DUMP"
                    msg = f"Runtime error {rng.choice(tx.DUMPS)} in program {rng.choice(tx.PROGRAMS)} (user {login})"
                else:
                    level, source, event = "CRITICAL", "BASIS.DB", "DB_ERROR"
                    msg = f"Database connection pool exhausted on {host}; work processes waiting"
                if rng.random() < 0.02 and level == "INFO":
                    level = "DEBUG"
                yield {
                    "id": i,
                    "ts": ts,
                    "level": level,
                    "source": source,
                    "user_login": login,
                    "host": host,
                    "event": event,
                    "message": msg,
                    "ingest_id": None,
                }

        tx_hosts = cat.HOSTS[:3]
        self._insert(m.SystemLog, rows(), "system log", total)

    def documents(self) -> None:
        rng = self.rng
        docs, revisions, links = [], [], []
        doc_id = rev_id = link_id = 0
        authors = ("mkeller", "jnovak", "aschulz", "helpdesk1")

        def add(
            kind: str,
            title: str,
            body: str,
            tags: list[str],
            status: str,
            day: int,
            link: tuple[str, int] | None = None,
        ):
            nonlocal doc_id, rev_id, link_id
            doc_id += 1
            created = self._at(self.go_live + dt.timedelta(days=day))
            n_revs = rng.randint(1, 3)
            author = rng.choice(authors)
            for number in range(1, n_revs + 1):
                rev_id += 1
                rev_body = (
                    body
                    if number == n_revs
                    else body.split("\n## ")[0] + "\n\n(draft: sections to follow)\n"
                )
                revisions.append(
                    {
                        "id": rev_id,
                        "document_id": doc_id,
                        "number": number,
                        "title": title,
                        "status": status if number == n_revs else "draft",
                        "tags": ",".join(tags),
                        "body": rev_body,
                        "author": author,
                        "summary": "Created"
                        if number == 1
                        else rng.choice(
                            (
                                "Added resolution steps",
                                "Updated after review",
                                "Corrected transaction codes",
                            )
                        ),
                        "created_at": created + dt.timedelta(days=number - 1),
                    }
                )
            docs.append(
                {
                    "id": doc_id,
                    "kind": kind,
                    "title": title,
                    "status": status,
                    "tags": ",".join(tags),
                    "body": body,
                    "author": author,
                    "created_at": created,
                    "updated_at": created + dt.timedelta(days=n_revs - 1),
                    "audit_entry_id": None,
                    "version": n_revs,
                }
            )
            if link:
                link_id += 1
                links.append(
                    {
                        "id": link_id,
                        "document_id": doc_id,
                        "entity_type": link[0],
                        "entity_id": link[1],
                    }
                )

        for i, topic in enumerate(tx.MAINTENANCE_TOPICS):
            day = 10 + i * 22
            add(
                "maintenance_record",
                f"{topic} ({(self.go_live + dt.timedelta(days=day)).strftime('%Y-%m')})",
                f"# {topic}\n\n**Window:** Saturday 22:00–02:00\n**Performed by:** Basis team\n\n## Actions\n\n"
                f"- Checked free space and table growth\n- {topic}\n- Verified application servers after restart\n\n"
                f"## Result\n\nCompleted without incidents. Runtime {rng.randint(20, 180)} minutes.\n",
                ["maintenance", "basis"],
                "published",
                day,
            )
        for i, title in enumerate(tx.SYSTEM_LOG_DOCS):
            add(
                "system_log",
                title,
                f"# {title}\n\n## Scope\n\nApplication servers {', '.join(cat.HOSTS)}.\n\n## Details\n\n"
                "Logs are kept 90 days online and archived for 10 years. Authorization failures are reviewed weekly.\n",
                ["logs"],
                "published",
                5 + i * 30,
            )
        for i, (title, module) in enumerate(tx.SECONDARY_DEV):
            cr = (
                self.change_requests[i % len(self.change_requests)]
                if self.change_requests
                else None
            )
            add(
                "secondary_development",
                title,
                f"# {title}\n\n**Module:** {module}\n\n## Purpose\n\nCustom development requested by the business.\n\n"
                f"## Objects\n\n- Program / class `Z{module}_{i:02d}`\n- Transport NWDK9{rng.randint(10000, 99999)}\n\n"
                "## Test\n\nUnit-tested in DEV, integration-tested in QA by the key users.\n",
                ["abap", module.lower()],
                rng.choice(("published", "published", "draft")),
                40 + i * 20,
                ("change_request", cr["id"]) if cr else None,
            )
        for i, (symptom, module, cause, fix) in enumerate(tx.TECH_SUPPORT_TOPICS):
            related = [inc for inc in self.incidents if inc["module"] == module]
            add(
                "technical_support",
                symptom,
                f"# {symptom}\n\n## Symptom\n\n{symptom}.\n\n## Cause\n\n{cause}\n\n## Resolution\n\n{fix}\n",
                ["helpdesk", module.lower()],
                "published",
                3 + i * 15,
                ("incident", related[i % len(related)]["id"]) if related else None,
            )
        for code, name, _owner, step_defs in cat.PROCESSES:
            steps = "\n".join(
                f"{n * 10}. {s[0]} — `{s[1]}`" for n, s in enumerate(step_defs, start=1)
            )
            add(
                "process",
                f"Process description: {name}",
                f"# {name}\n\n## Steps\n\n{steps}\n\n## Controls\n\nSee the SoD rules for this process.\n",
                ["process", code.lower()],
                "published",
                1,
                ("process", self.process_ids[code]),
            )
        self._insert(m.Document, docs)
        self._insert(m.DocumentRevision, revisions)
        self._insert(m.DocumentLink, links)

    def audit_history(self) -> None:
        """A plausible trail of past admin work, hash-chained like the real one."""
        rng = self.rng
        entries = []
        for _ in range(180):
            day = self.go_live + dt.timedelta(days=rng.randint(0, GO_LIVE_DAYS_AGO - 1))
            uid, login, _dept, _status = rng.choice(self.users_meta)
            actor = rng.choice(("mkeller", "jnovak", "helpdesk1"))
            kind = rng.random()
            if kind < 0.45:
                role = rng.choice(list(self.role_ids))
                entries.append(
                    (
                        self._at(day),
                        actor,
                        "role.grant",
                        "user",
                        uid,
                        login,
                        None,
                        {"role": role},
                        f"Ticket REQ-{rng.randint(1000, 9999)}",
                    )
                )
            elif kind < 0.6:
                entries.append(
                    (
                        self._at(day),
                        actor,
                        "user.lock",
                        "user",
                        uid,
                        login,
                        {"status": "active"},
                        {"status": "locked"},
                        "Too many failed logons (5)",
                    )
                )
            elif kind < 0.75:
                entries.append(
                    (
                        self._at(day),
                        "helpdesk1",
                        "user.unlock",
                        "user",
                        uid,
                        login,
                        {"status": "locked"},
                        {"status": "active"},
                        "Identity confirmed by phone",
                    )
                )
            elif kind < 0.85:
                entries.append(
                    (
                        self._at(day),
                        actor,
                        "user.disable",
                        "user",
                        uid,
                        login,
                        {"status": "active"},
                        {"status": "disabled"},
                        "Left the company (HR leaver list)",
                    )
                )
            else:
                entries.append(
                    (
                        self._at(day, 21, 23),
                        "basis",
                        "db.analyze",
                        "database",
                        None,
                        "erp",
                        None,
                        {"tables": 25},
                        "Weekly statistics refresh",
                    )
                )
        entries.sort(key=lambda e: e[0])
        prev = audit.GENESIS
        rows = []
        for i, (at, actor, action, ttype, tid, label, before, after, reason) in enumerate(
            entries, start=1
        ):
            entry = audit.EntryFields(
                at=at,
                actor=actor,
                action=action,
                target_type=ttype,
                target_id=None if tid is None else str(tid),
                target_label=label,
                before_json=audit.to_json(before),
                after_json=audit.to_json(after),
                reason=reason,
            )
            h = entry.hash(prev)
            rows.append({"id": i, **entry.columns(), "prev_hash": prev, "hash": h})
            prev = h
        self._insert(m.MaintenanceLog, rows)

    def fix_sequences(self) -> None:
        if self.conn.dialect.name != "postgresql":
            return
        for table in m.Base.metadata.sorted_tables:
            if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
                self.conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table.name}), 1))"
                    )
                )


def has_users(db: Database) -> bool:
    """Whether the console schema at `db` holds users already (`--demo` leaves it alone then)."""
    with db.session() as session:
        return session.execute(select(func.count()).select_from(m.ErpUser)).scalar_one() > 0


def build_demo(
    db: Database,
    *,
    scale: int = 1,
    seed: int = 42,
    actor: str = "demo",
    today: dt.date | None = None,
    progress: Progress | None = None,
    log_lines: int | None = None,
) -> DemoSummary:
    """Load the demo ERP into an initialised, empty database in one transaction.

    `log_lines` overrides the size of the system log (tests use a small one).
    """
    if not isinstance(scale, int) or scale < 1:
        raise ValidationError(
            "must be a whole number of at least 1 (1 ≈ 400 users, 250 ≈ 100k users)",
            field="--scale",
        )
    started = time.perf_counter()
    with db.begin() as session:
        conn = session.connection()
        if (
            conn.execute(select(func.count()).select_from(m.ErpUser)).scalar_one()
            or conn.execute(select(func.count()).select_from(m.Department)).scalar_one()
        ):
            raise ValidationError(
                "the database already holds ERP data; the demo loads only into an empty database (init a new one)"
            )
        builder = _Builder(conn, scale, seed, today or dt.date.today(), progress, log_lines)
        for phase in (
            builder.organisation,
            builder.users,
            builder.grants,
            builder.lifecycle,
            builder.processes,
            builder.system_logs,
            builder.documents,
            builder.audit_history,
            builder.fix_sequences,
        ):
            phase()
        session.flush()
        audit.append_entry(
            session,
            actor=actor,
            action="demo.build",
            target_type="database",
            target_label=db.url.database,
            after={"scale": scale, "seed": seed, "rows": builder.counts},
            reason="Demo ERP database created",
        )
    refresh_statistics(db)
    return DemoSummary(counts=builder.counts, seconds=time.perf_counter() - started)


BIG_TABLES = (
    "erp_user",
    "user_role",
    "role_permission",
    "system_log",
    "incident",
    "maintenance_log",
)


def refresh_statistics(db: Database) -> None:
    """Give the planner statistics after a bulk load (SQLite never gathers them by itself);
    without them PostgreSQL guessed 37 active users out of 90,000 and sorted them all."""
    with db.engine.begin() as conn:
        quote = conn.dialect.identifier_preparer.quote
        if db.dialect == "sqlite":
            conn.exec_driver_sql("ANALYZE")
        elif db.dialect == "postgresql":
            for table in BIG_TABLES:
                conn.exec_driver_sql(f"ANALYZE {quote(table)}")
        else:
            for table in BIG_TABLES:
                conn.exec_driver_sql(f"ANALYZE TABLE {quote(table)}").all()


def counts_json(summary: DemoSummary) -> str:
    return json.dumps(summary.counts, sort_keys=True)
