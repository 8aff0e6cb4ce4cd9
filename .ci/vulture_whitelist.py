"""Names that look unused to vulture but are used by a framework or by data (see pyproject)."""

# ruff: noqa
# mypy: ignore-errors
from bot.domain.households.care import CareReason
from bot.domain.households.register import Status
from bot.domain.intake.rules import RulesFile
from bot.domain.points.records import EntryKind
from bot.domain.registry import Role
from bot.domain.tickets.model import Verdict
from faq.kb import FaqEntry
from storage import models, models_duty, models_faq, schema, types
from web.ops import _HealthCollector

# values written in YAML files or iterated over, never named in code
Role.BUILDING_LEADER
Status.TENANT
Verdict.SATISFIED
FaqEntry.tags
RulesFile.reference
RulesFile.negation

# SQLAlchemy: declarative configuration, columns written by the database or kept for the record
models.Base.type_annotation_map
models.PrivateChat.changed_at
models.InboxUpdate.handled_at
models.OutboxMessage.sent_at
models.SendPaceRow  # written by storage/send_pace.py's SQL; the model keeps the migration honest
models_duty.WorkdayOverrideRow.set_by
models_faq.FaqBase.source_file
models_faq.FaqEntryRow.updated_by
types.UTCDateTime.impl
types.UTCDateTime.cache_ok
types.UTCDateTime.process_bind_param
types.UTCDateTime.process_result_value

# prometheus-client calls a collector's collect()
_HealthCollector.collect

# imported for their side effect: every model registers its table on the metadata
schema.models_notices
schema.models_offers
schema.models_calendars
schema.models_tickets

# benchmarks/broadcast.py replaces PTB's private limiter for an experiment
_base_limiter
from bot.domain.duty.roster_spec import RoutingRules

RoutingRules._sorted  # pydantic field_serializer

# read by the partial indexes' predicates (text: "erased_at IS NULL AND …") that retention's
# queries repeat word for word, so no Python attribute access names them
models.OutboxMessage.erased_at
schema.models_tickets.TicketRow.erased_at

# openpyxl reads them when it writes a cell (bot/table_files.py): a time's format, text kept text
from openpyxl.cell import WriteOnlyCell

WriteOnlyCell.number_format
WriteOnlyCell.data_type

# households: imported for Alembic; a code's spender is kept for the record; a YAML value
schema.models_households
schema.models_households.HouseholdCodeRow.used_by
# the care list: reasons are written in YAML; the consent's day is kept for the record
CareReason.ELDERLY_ALONE
CareReason.DISABLED
CareReason.ILL
schema.models_households.CareEntryRow.consent_on
# ... and those loudao report sets on a workbook's cells and sheets (bot/services/kpi/report_files.py)
from openpyxl.cell.cell import Cell as _XlsxCell
from openpyxl.worksheet.worksheet import Worksheet as _XlsxSheet

_XlsxCell.alignment
_XlsxCell.number_format
_XlsxCell.data_type
_XlsxSheet.freeze_panes
# the web desk: aiohttp calls the routes a page module registers; templates read the rest
schema.models_desk
from bot.services.desk.sign_in import DeskUser

DeskUser.csrf  # every form's hidden field (web/desk/templates)
please_sign_in  # web/desk/views_sign_in.py, @routes.get
open_link
ticket_list  # web/desk/views_tickets.py, @routes.get
one_ticket
show_link  # web/desk/views_sign_in.py, @routes.get
# points: imported for Alembic
schema.models_points
# the ledger's kinds the shop and corrections write; a proposal's time and approver are kept
EntryKind.CORRECTION
EntryKind.REDEMPTION
schema.models_points.PointsProposalRow.proposed_at
schema.models_points.PointsProposalRow.decided_by
schema.models_points.RedemptionRow.redeemed_by
schema.models_points.RedemptionRow.handed_out_by
