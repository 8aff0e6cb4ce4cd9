"""Every table of the application, for Alembic: import each feature's models here."""

from storage import models  # noqa: F401  foundation tables
from storage.models import Base

metadata = Base.metadata
