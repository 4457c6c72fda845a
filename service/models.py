"""Every table, imported in one place so that Alembic and create_all see the same metadata."""

from service.audit.models import AuditEntry
from service.auth.models import ApiKey
from service.organisations.models import Organisation
from service.reports.models import Report
from service.substances.models import Substance, SubstanceName

__all__ = ["ApiKey", "AuditEntry", "Organisation", "Report", "Substance", "SubstanceName"]
