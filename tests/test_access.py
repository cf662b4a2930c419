"""The one access layer: the team scope is one predicate (accounts.access.in_team_scope), and every
`get_<thing>_for_user` helper answers 404 outside it and writes the access-log row itself."""

import pytest
import rules
from django.http import Http404

from arrears.selectors import get_flag_for_user, get_support_for_user
from here_to_help.selectors import get_request_for_user
from tenants.models import AccessLog, Tenant
from tenants.selectors import get_tenant_for_user, log_tenants_listed
from tests.factories import (
    ArrearsFlagFactory,
    CallTaskFactory,
    HelpRequestFactory,
    SupportOfferFactory,
    TenantFactory,
)
from welfare.models import Escalation
from welfare.selectors import get_escalation_for_user, get_task_for_user

pytestmark = pytest.mark.django_db


def test_the_team_scope_is_one_rule_for_objects_and_lists(
    officer, manager, team, other_team, patch, other_patch
):
    assert rules.test_rule("in_team_scope", officer, team.pk)
    assert not rules.test_rule("in_team_scope", officer, other_team.pk)
    assert not rules.test_rule("in_team_scope", officer, None)  # no team: managers only
    assert rules.test_rule("in_team_scope", manager, other_team.pk)
    assert rules.test_rule("in_team_scope", manager, None)
    ours = TenantFactory(patch=patch)
    theirs = TenantFactory(patch=other_patch)
    nobody = TenantFactory(patch=None)
    assert list(Tenant.objects.visible_to(officer)) == [ours]
    assert set(Tenant.objects.visible_to(manager)) == {ours, theirs, nobody}


@pytest.fixture
def reads(income_officer, patch):
    """Each helper with an object of the income officer's team, and its tenant."""
    tenant = TenantFactory(patch=patch)
    flag = ArrearsFlagFactory(tenant=tenant)
    offer = SupportOfferFactory(flag=flag)
    task = CallTaskFactory(tenant=tenant)
    request = HelpRequestFactory(tenant=tenant)
    return tenant, [
        lambda user, page: get_tenant_for_user(user, tenant.pk, page=page),
        lambda user, page: get_task_for_user(user, task.pk, page=page),
        lambda user, page: get_request_for_user(user, request.pk, page=page),
        lambda user, page: get_flag_for_user(user, flag.pk, page=page),
        lambda user, page: get_support_for_user(user, flag.pk, offer.pk, page=page),
    ]


def test_every_helper_logs_the_read_of_the_tenant(reads, income_officer):
    tenant, helpers = reads
    for number, helper in enumerate(helpers):
        helper(income_officer, f"/page/{number}/")
    logged = list(AccessLog.objects.order_by("id").values_list("user", "kind", "tenant_id", "page"))
    assert logged == [
        (income_officer.pk, AccessLog.Kind.VIEW, tenant.pk, f"/page/{number}/")
        for number in range(len(helpers))
    ]


def test_every_helper_answers_404_to_another_team_and_logs_nothing(reads, other_officer):
    _tenant, helpers = reads
    for helper in helpers:
        with pytest.raises(Http404):
            helper(other_officer, "/somewhere/")
    assert not AccessLog.objects.exists()


def test_an_escalation_read_is_logged(manager, patch):
    tenant = TenantFactory(patch=patch)
    escalation = Escalation.objects.create(
        tenant=tenant, team=patch.team, reason=Escalation.Reason.DECEASED
    )
    assert get_escalation_for_user(manager, escalation.pk, page="/queue/e/") == escalation
    assert AccessLog.objects.get().tenant_id == tenant.pk


def test_a_search_is_logged_with_the_tenants_it_showed_and_a_blank_one_is_not(officer):
    log_tenants_listed(officer, [], "/tenants/", query="   ")
    assert not AccessLog.objects.exists()
    log_tenants_listed(officer, [7, 3, 7], "/tenants/", query="Holt")
    entry = AccessLog.objects.get()
    assert (entry.kind, entry.query, entry.tenant_id, entry.tenant_ids) == (
        AccessLog.Kind.SEARCH,
        "Holt",
        None,
        [7, 3],
    )
