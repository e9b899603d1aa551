"""A small hand-built organisation with one process, for coverage and org-planner tests.

    HQ ─┬─ FIN ─┬─ AP   defaults AP_CLERK     anna (AP_CLERK), bert (AP_CLERK, VENDOR)
        │       └─ TR   defaults TREASURY     carl (TREASURY), dora (TREASURY, AP_CLERK)
        ├─ PUR          defaults BUYER        emil (BUYER), fritz disabled (BUYER, PO_APPROVER),
        │                                     gina (PO_APPROVER, grant expired yesterday)
        └─ OLD          (no members)

Process P2P, version 1 in force (version 2 starts tomorrow):
    10 Create PO        PO.CREATE    PUR  -> emil                 single_holder
    20 Approve PO       PO.APPROVE   PUR  -> nobody               no_holder
    30 Post invoice     INV.POST     FIN  -> anna, bert, dora     sod
    40 Approve payment  PAY.APPROVE  TR   -> carl, dora           excess (limit 1, critical), sod
    50 Create vendor    VEND.CREATE  -    -> bert                 single_holder
SoD: INV.POST / PAY.APPROVE (high) -> dora on steps 30 and 40;
     VEND.CREATE / PAY.APPROVE (critical) -> nobody yet.
"""

from __future__ import annotations

import datetime as dt

from erp_console.db.models import (
    BusinessProcess,
    Department,
    DepartmentRole,
    ErpUser,
    Permission,
    ProcessStep,
    ProcessVersion,
    Role,
    RolePermission,
    Setting,
    SodRule,
    UserRole,
)

TODAY = dt.date.today()
PERMS = {
    "PO.CREATE": "medium",
    "PO.APPROVE": "high",
    "INV.POST": "medium",
    "PAY.APPROVE": "critical",
    "VEND.CREATE": "high",
}
ROLES = {
    "AP_CLERK": "INV.POST",
    "TREASURY": "PAY.APPROVE",
    "VENDOR": "VEND.CREATE",
    "BUYER": "PO.CREATE",
    "PO_APPROVER": "PO.APPROVE",
}


def build(db) -> None:
    with db.begin() as s:
        hq = Department(code="HQ", name="Headquarters")
        s.add(hq)
        s.flush()
        fin = Department(code="FIN", name="Finance", parent_id=hq.id)
        pur = Department(code="PUR", name="Purchasing", parent_id=hq.id)
        old = Department(code="OLD", name="Old unit", parent_id=hq.id)
        s.add_all([fin, pur, old])
        s.flush()
        ap = Department(code="AP", name="Accounts payable", parent_id=fin.id)
        tr = Department(code="TR", name="Treasury", parent_id=fin.id)
        s.add_all([ap, tr])
        s.flush()
        depts = {"HQ": hq, "FIN": fin, "PUR": pur, "OLD": old, "AP": ap, "TR": tr}
        perms = {c: Permission(code=c, module=c.split(".")[0], risk=r) for c, r in PERMS.items()}
        roles = {c: Role(code=c, name=c.title()) for c in ROLES}
        s.add_all([*perms.values(), *roles.values()])
        s.flush()
        s.add_all(
            RolePermission(role_id=roles[r].id, permission_id=perms[p].id) for r, p in ROLES.items()
        )
        s.add_all(
            [
                SodRule(
                    name="Post invoice / approve payment",
                    permission_a_id=perms["INV.POST"].id,
                    permission_b_id=perms["PAY.APPROVE"].id,
                    severity="high",
                ),
                SodRule(
                    name="Create vendor / approve payment",
                    permission_a_id=perms["VEND.CREATE"].id,
                    permission_b_id=perms["PAY.APPROVE"].id,
                    severity="critical",
                ),
            ]
        )
        for dept, role in (("AP", "AP_CLERK"), ("TR", "TREASURY"), ("PUR", "BUYER")):
            s.add(DepartmentRole(department_id=depts[dept].id, role_id=roles[role].id))
        users = {
            "anna": ("AP", "active", ["AP_CLERK"]),
            "bert": ("AP", "active", ["AP_CLERK", "VENDOR"]),
            "carl": ("TR", "active", ["TREASURY"]),
            "dora": ("TR", "active", ["TREASURY", "AP_CLERK"]),
            "emil": ("PUR", "active", ["BUYER"]),
            "fritz": ("PUR", "disabled", ["BUYER", "PO_APPROVER"]),
            "gina": ("PUR", "active", ["PO_APPROVER"]),
        }
        for login, (dept, status, held) in users.items():
            user = ErpUser(
                login=login,
                login_key=login,
                full_name=login.title(),
                department_id=depts[dept].id,
                status=status,
            )
            s.add(user)
            s.flush()
            for role in held:
                expired = login == "gina"
                s.add(
                    UserRole(
                        user_id=user.id,
                        role_id=roles[role].id,
                        valid_to=TODAY - dt.timedelta(days=1) if expired else None,
                        granted_by="setup",
                        reason="setup",
                    )
                )
        s.add(Setting(key="coverage.excess_limit", value="1"))
        proc = BusinessProcess(code="P2P", name="Procure to pay", owner_department_id=pur.id)
        s.add(proc)
        s.flush()
        v1 = ProcessVersion(
            process_id=proc.id,
            number=1,
            effective_from=TODAY - dt.timedelta(days=100),
            created_by="setup",
        )
        v2 = ProcessVersion(
            process_id=proc.id,
            number=2,
            effective_from=TODAY + dt.timedelta(days=1),
            note="planned",
            created_by="setup",
        )
        s.add_all([v1, v2])
        s.flush()
        steps = [
            (10, "Create PO", "PO.CREATE", "PUR"),
            (20, "Approve PO", "PO.APPROVE", "PUR"),
            (30, "Post invoice", "INV.POST", "FIN"),
            (40, "Approve payment", "PAY.APPROVE", "TR"),
            (50, "Create vendor", "VEND.CREATE", None),
        ]
        for seq, name, perm, dept in steps:
            s.add(
                ProcessStep(
                    version_id=v1.id,
                    seq=seq,
                    name=name,
                    permission_id=perms[perm].id,
                    department_id=depts[dept].id if dept else None,
                )
            )
        s.add(
            ProcessStep(
                version_id=v2.id,
                seq=10,
                name="Create PO",
                permission_id=perms["PO.CREATE"].id,
                department_id=pur.id,
            )
        )
