"""An imported list for a campaign (a council's or the NHS's list): the streaming import frame
(`imports.frame`), with its messages (`line 17: ...`), dry run and errors-out file.

Each row names a tenant by `tenancy_ref`, or by `last_name`, `date_of_birth` and `postcode`
(with `first_name` to tell apart two of the same surname). A row that matches no tenant, or
more than one, is rejected and reported: a list is never guessed at.

On PostgreSQL the file is read as the tenant file is (`imports.bulk`): copied into a temporary
table, checked and matched set-based, and the list added in one statement
(`welfare.campaign_import_checks`); the rows SQL does not pass are cleaned and matched here, row
by row, for their messages. Elsewhere (the SQLite demo) every row is.
"""

from collections import defaultdict

from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_text_list

from imports import bulk, sql_checks
from imports.cells import a_date, tenancy_ref, text, uk_postcode
from imports.frame import Column, CsvImport, FileRefused
from tenants.models import Tenant

from .campaign_import_checks import CampaignListChecks
from .campaign_models import Campaign, CampaignMember

COLUMNS = (
    Column("tenancy_ref", tenancy_ref),
    Column("first_name", text(100)),
    Column("last_name", text(100)),
    Column("date_of_birth", a_date, blank=None),
    Column("postcode", uk_postcode),
)

# Pairs of (date_of_birth, postcode) in one query's OR: well under SQLite's limit of 1,000 on
# an expression's depth, and few enough queries for a batch (`CsvImport.batch_size`).
PAIRS_PER_QUERY = 250
# The columns that name a tenant in a row without a tenancy_ref.
NAME_COLUMNS = ("last_name", "date_of_birth", "postcode")


class CampaignListImport(CsvImport):
    columns = COLUMNS
    key = "tenancy_ref"
    shown_counts = ("added", "already on the list", "rejected")
    lock_name = "campaign list import"

    def __init__(self, *, campaign=None, campaign_id=None, **kwargs):
        """`campaign`, or its id (a browser import job keeps the id in its options)."""
        super().__init__(**kwargs)
        self.campaign = campaign or Campaign.objects.get(pk=campaign_id, kind=Campaign.Kind.LIST)

    def prepare(self):
        # A file that can name nobody is refused at its header, as the other imports refuse a
        # file without a column they need, not row by row with the same message on each.
        by_name = [name for name in NAME_COLUMNS if name not in self.present]
        if "tenancy_ref" not in self.present and by_name:
            plural = "s" if len(by_name) > 1 else ""
            missing, needed = get_text_list(by_name, "and"), get_text_list(NAME_COLUMNS, "and")
            raise FileRefused(
                f"line 1: the file has no tenancy_ref column, nor {missing} column{plural}: "
                f"a list names each tenant by tenancy_ref, or by {needed}"
            )
        # The tenants the rows cleaned here have added in this run, written or not (a dry run):
        # a later row naming one of them is already on the list.
        self.listed = set()
        sql_checks.tune_transaction()  # before the first temporary table

    def bulk_reader(self):
        if connection.vendor != "postgresql":
            return None
        return bulk.RawRows(self, self._width)

    def bulk_check(self, raw):
        self.checks = CampaignListChecks(self, raw)
        return self.checks.check()

    def bulk_stage(self, raw):
        added, already = self.checks.stage(
            campaign=self.campaign, listed=self.listed, write=self.writing, now=timezone.now()
        )
        for name, count in (("added", added), ("already on the list", already)):
            if count:
                self.report.counts[name] += count
        return []

    def check_row(self, row):
        values = row.values
        # A column the file does not have is blank in every row.
        if values.get("tenancy_ref"):
            return []
        if all(values.get(name) for name in NAME_COLUMNS):
            return []
        return ["give a tenancy_ref, or last_name, date_of_birth and postcode"]

    def check_batch(self, rows):
        """Match each row to exactly one tenant: `row.tenant_id`; reject the rest."""
        for row in rows:  # a column the file does not have is blank in every row
            row.values = {"tenancy_ref": "", "first_name": "", **row.values}
        refs = {r.values["tenancy_ref"].upper() for r in rows if r.values["tenancy_ref"]}
        by_ref = {
            ref.upper(): pk
            for ref, pk in Tenant.objects.filter(tenancy_ref__in=refs).values_list(
                "tenancy_ref", "pk"
            )
        }
        wanted = {
            (r.values["date_of_birth"], r.values["postcode"])
            for r in rows
            if not r.values["tenancy_ref"]
        }
        by_person = defaultdict(list)
        # The pairs are asked for a few hundred at a time: SQLite parses an OR of every pair in
        # a batch (2,000 rows) as a tree deeper than the 1,000 levels it allows, and refuses it.
        wanted = sorted(wanted)
        for start in range(0, len(wanted), PAIRS_PER_QUERY):
            people = Q()
            for born, postcode in wanted[start : start + PAIRS_PER_QUERY]:
                people |= Q(date_of_birth=born, postcode=postcode)
            for tenant in Tenant.objects.filter(people).only(
                "pk", "first_name", "last_name", "date_of_birth", "postcode"
            ):
                by_person[(tenant.date_of_birth, tenant.postcode)].append(tenant)
        kept = []
        for row in rows:
            values = row.values
            if values["tenancy_ref"]:
                row.tenant_id = by_ref.get(values["tenancy_ref"].upper())
                if row.tenant_id is None:
                    self.reject(row, [f'tenancy_ref "{values["tenancy_ref"]}" matches no tenant'])
                    continue
            else:
                matches = [
                    t
                    for t in by_person[(values["date_of_birth"], values["postcode"])]
                    if t.last_name.casefold() == values["last_name"].casefold()
                    and (
                        not values["first_name"]
                        or t.first_name.casefold() == values["first_name"].casefold()
                    )
                ]
                if len(matches) != 1:
                    found = "no tenant" if not matches else f"{len(matches)} tenants"
                    self.reject(
                        row,
                        [
                            f"{values['last_name']}, born {values['date_of_birth']:%d/%m/%Y}, "
                            f"at {values['postcode']} matches {found}"
                            + (": add first_name or tenancy_ref" if matches else "")
                        ],
                    )
                    continue
                row.tenant_id = matches[0].pk
            kept.append(row)
        return kept

    def save_batch(self, rows, *, write):
        ids = {row.tenant_id for row in rows}
        already = ids & self.listed
        already.update(
            CampaignMember.objects.filter(
                campaign=self.campaign, tenant_id__in=ids - already
            ).values_list("tenant_id", flat=True)
        )
        new = []
        for row in rows:
            if row.tenant_id in already:
                self.report.counts["already on the list"] += 1
            else:
                already.add(row.tenant_id)
                self.listed.add(row.tenant_id)
                new.append(row.tenant_id)
                self.report.counts["added"] += 1
        if write:
            CampaignMember.objects.bulk_create(
                [CampaignMember(campaign=self.campaign, tenant_id=pk) for pk in new],
                ignore_conflicts=True,
            )


# The browser import job's pages (the "campaign-list" import kind, welfare/apps.py).


def upload_url(job):
    return reverse("campaigns:import", args=[job.options["campaign_id"]])


def report_context(job):
    campaign = Campaign.objects.filter(pk=job.options.get("campaign_id")).first()
    return {
        "campaign": campaign,
        "members": campaign.members.count() if campaign else 0,
    }
