"""Text templates that make the demo's incidents, logs and documents read like a real ERP's."""

from __future__ import annotations

TRANSACTIONS = {
    "FI": ("FB60", "F110", "FB50", "FBL1N", "F-53", "FS00", "AFAB"),
    "CO": ("KS01", "KP06", "KSU5", "KE30"),
    "MM": ("ME21N", "ME51N", "MIGO", "MI01", "MI07", "MM01", "ME29N"),
    "SD": ("VA01", "VA02", "VL01N", "VF01", "VKM3", "VK11"),
    "PP": ("MD01", "CO01", "CO11N", "QA11", "CS01"),
    "HR": ("PA30", "PC00_M99_CALC", "CAT2", "PA40"),
    "BASIS": ("SU01", "PFCG", "SM37", "STMS", "SE16N", "SM21"),
}

INCIDENT_TITLES = {
    "bug": (
        "Short dump CONVT_NO_NUMBER in {tx} when saving",
        "{tx} shows wrong totals after currency conversion",
        "Output form for {tx} prints an empty address block",
        "Interface to bank returns status 500 for {tx} payment file",
        "Rounding difference of 0.01 posted by {tx}",
        "Batch job for {tx} aborts on records with empty cost center",
        "{tx} times out for company code 1000 at month end",
    ),
    "operational_error": (
        "Document posted to wrong period in {tx}",
        "Goods receipt posted twice in {tx}",
        "Wrong tax code chosen in {tx}",
        "Sales order entered with wrong customer in {tx}",
        "Payment run started without proposal check ({tx})",
        "Master data created without mandatory cost center ({tx})",
    ),
    "permission": (
        "User cannot open {tx}: missing authorization",
        "Authorization check failed for {perm} in {tx}",
        "Key user needs display access to {tx} for month-end",
        "New employee has no roles after transfer ({tx})",
        "Role lacks {perm}; workaround via colleague's account",
    ),
    "design_problem": (
        "{tx}: approval needs five screens, should be one",
        "Mandatory fields in {tx} do not match the business process",
        "{tx} report cannot be filtered by plant",
        "Workflow for {tx} routes approvals to the wrong manager",
    ),
    "unrealized_function": (
        "Intercompany netting not possible in {tx}",
        "Consignment stock cannot be handled in {tx}",
        "No automatic dunning for one-time customers ({tx})",
        "Rebate settlement per quarter not supported by {tx}",
    ),
    "new_requirement": (
        "New plant in Poland needs its own company code",
        "E-invoicing (XRechnung) for public customers",
        "Integration with the new warehouse robot system",
        "Mobile approval of purchase requisitions",
        "Sustainability reporting (CO2 per product)",
        "Customer portal with order status",
    ),
}

RESOLUTIONS = {
    "bug": "Fixed by transport {tr}; tested in QA and imported to production.",
    "operational_error": "Document reversed and re-posted; user trained on the correct procedure.",
    "permission": "Role {role} adjusted and re-assigned; user confirmed access.",
    "design_problem": "Change request raised; interim work instruction published.",
    "unrealized_function": "Handled in change request; manual workaround documented.",
    "new_requirement": "Moved to the expansion roadmap as a change request.",
}

LOCK_REASONS = (
    "Too many failed logons (5)",
    "Locked by admin: long-term leave",
    "Locked by admin: suspected account sharing, under review",
    "Too many failed logons (5)",
)

JOB_NAMES = (
    "Z_FI_PAYMENT_RUN",
    "Z_MM_MRP_NIGHTLY",
    "Z_SD_BILLING_DUE",
    "Z_HR_TIME_EVAL",
    "Z_BW_EXTRACT",
    "SAP_REORG_SPOOL",
)
DUMPS = (
    "CONVT_NO_NUMBER",
    "TIME_OUT",
    "DBSQL_DUPLICATE_KEY_ERROR",
    "MESSAGE_TYPE_X",
    "TSV_TNEW_PAGE_ALLOC_FAILED",
)
PROGRAMS = ("SAPLMEPO", "RFFOUS_T", "SAPMV45A", "ZFI_AGING_REPORT", "SAPLKAUP", "RPCALCD0")

TECH_SUPPORT_TOPICS = (
    (
        "Cannot post vendor invoice: 'Balance not zero'",
        "FI",
        "Tax code missing on one line item.",
        "Enter the tax code or tick 'Calculate tax'.",
    ),
    (
        "MIGO: 'Deficit of stock' on goods issue",
        "MM",
        "Stock posted to a different storage location.",
        "Transfer posting 311 to the right location, then repeat the issue.",
    ),
    (
        "Payment run F110 creates no payments",
        "FI",
        "Vendor payment block 'A' set by the invoice workflow.",
        "Release the block after approval; rerun the proposal.",
    ),
    (
        "User locked after password change",
        "BASIS",
        "Old password stored in a mobile client.",
        "Unlock in SU01, ask the user to update the saved password.",
    ),
    (
        "Sales order blocked for credit",
        "SD",
        "Credit limit exceeded by open orders.",
        "Credit manager releases in VKM3 or raises the limit.",
    ),
    (
        "Production order cannot be released",
        "PP",
        "Missing material availability.",
        "Check ATP in CO09; release with the 'partial' flag if approved.",
    ),
    (
        "Payroll simulation shows wrong tax class",
        "HR",
        "Infotype 0012 not updated after marriage.",
        "Update infotype 0012 effective from the change date.",
    ),
    (
        "Printer output stuck in spool",
        "BASIS",
        "Output device set to 'locked' after maintenance.",
        "Unlock the device in SPAD and reprint from SP01.",
    ),
    (
        "Report ZFI_AGING times out",
        "FI",
        "Selection without company code scans every year.",
        "Enter company code and fiscal year; a fix is in CR.",
    ),
    (
        "Inventory count differences cannot be posted",
        "MM",
        "Count document older than the posting period.",
        "Open the period or recount in the current one.",
    ),
    (
        "Cost center not found when posting",
        "CO",
        "Cost center validity ended last month.",
        "Extend validity in KS02 or use the successor cost center.",
    ),
    (
        "Time sheet approval missing in inbox",
        "HR",
        "Manager's substitute rule expired.",
        "Renew the substitution in the workflow settings.",
    ),
)

SECONDARY_DEV = (
    ("ZFI_AGING_REPORT: vendor ageing report", "FI"),
    ("Z_MM_RECEIPT_CHECK: three-way match enhancement", "MM"),
    ("Bank interface: camt.053 statement import", "FI"),
    ("ZSD_ORDER_PORTAL: customer order status API", "SD"),
    ("Z_HR_TIME_IMPORT: time clock interface", "HR"),
    ("ZPP_LABEL_PRINT: production label printing", "PP"),
    ("User exit MV45AFZZ: customer-specific pricing checks", "SD"),
    ("Z_BASIS_ROLE_REPORT: role usage analysis", "BASIS"),
)

MAINTENANCE_TOPICS = (
    "Monthly database maintenance",
    "Index rebuild on FI document tables",
    "Archiving of MM purchasing documents",
    "Kernel patch and restart of application servers",
    "Quarterly user access review",
    "Statistics refresh after go-live data migration",
    "Spool and job log reorganisation",
    "Disaster-recovery restore test",
    "Client copy to the training system",
    "Role clean-up after the Brno plant reorganisation",
)

SYSTEM_LOG_DOCS = (
    "Log retention policy",
    "Known system log messages and what they mean",
    "How to read authorization check failures",
    "Batch job monitoring checklist",
    "Security audit log configuration",
)
