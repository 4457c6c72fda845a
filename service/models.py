"""Every table, imported in one place so that Alembic and create_all see the same metadata."""

from service.alerting.models import AlertRow, Delivery, DeliveryAttempt, DigestEntry
from service.audit.models import AuditEntry
from service.auth.models import ApiKey
from service.classification.models import ClassificationDraft, SubstanceClassification
from service.families.models import Family, FamilyJob, FamilyMember
from service.organisations.models import Organisation
from service.reports.models import Report
from service.subscriptions.models import Subscription
from service.substances.models import Substance, SubstanceName
from service.web.models import WebSession

__all__ = [
    "AlertRow",
    "ApiKey",
    "AuditEntry",
    "ClassificationDraft",
    "Delivery",
    "DeliveryAttempt",
    "DigestEntry",
    "Family",
    "FamilyJob",
    "FamilyMember",
    "Organisation",
    "Report",
    "Subscription",
    "Substance",
    "SubstanceClassification",
    "SubstanceName",
    "WebSession",
]
