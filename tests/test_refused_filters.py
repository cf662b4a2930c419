"""A list's filter with a value that is not one of its choices is refused the same way on every
list page: 400 (as any refused form), the error summed up at the top, nothing listed, and what
was typed kept in the filter (`config.forms.FilterForm.status_code`)."""

import pytest

pytestmark = pytest.mark.django_db

MANAGER_PAGES = [
    ("/services/?status=closed", "register-refused"),
    ("/services/?scheduled=maybe", "register-refused"),
    ("/providers/?staffing=bogus", "providers-refused"),
    ("/help/?need=bogus", "requests-refused"),
    ("/help/team/?need=bogus", "requests-refused"),
    ("/help/directory/?need=bogus", "directory-refused"),
    ("/dashboard/?team=zzz", "dashboard-refused"),
    ("/dashboard/officers/?team=zzz", "workload-refused"),
    ("/dashboard/trend/?team=zzz", "trend-refused"),
    ("/dashboard/lists/tenants/?team=zzz", "list-refused"),
    ("/dashboard/lists/calls/?team=zzz", "list-refused"),
    ("/arrears/?status=bogus", "list-refused"),
    ("/queue/escalations/?team=zzz", "escalations-refused"),
    ("/arrears/unflagged/?min_weeks=lots", "list-refused"),
]


@pytest.mark.parametrize(("url", "summary"), MANAGER_PAGES)
def test_a_refused_filter_answers_400_with_its_error(manager_client, url, summary):
    response = manager_client.get(url)
    page = response.content.decode()
    assert response.status_code == 400, url
    assert f'id="{summary}"' in page and "<title>Error: " in page


@pytest.mark.parametrize("url", ["/help/?need=bogus", "/help/directory/?need=bogus"])
def test_an_officer_s_refused_filter_answers_400_too(officer_client, url):
    assert officer_client.get(url).status_code == 400


@pytest.mark.parametrize("url", ["/arrears/?review=bogus", "/arrears/unflagged/?min_weeks=-"])
def test_an_income_officer_s_refused_filter_answers_400_too(income_client, url):
    assert income_client.get(url).status_code == 400


def test_the_directory_keeps_the_district_typed_beside_a_refused_need(manager_client):
    response = manager_client.get("/help/directory/", {"need": "bogus", "area": "PR1"})
    assert response.status_code == 400
    assert 'value="PR1"' in response.content.decode()


def test_the_workload_keeps_the_period_chosen_beside_a_refused_team(manager_client):
    response = manager_client.get("/dashboard/officers/", {"days": "7", "team": "zzz"})
    assert response.status_code == 400
    assert '<option value="7" selected>' in response.content.decode()


def test_a_filter_that_is_not_refused_still_answers_200(manager_client):
    for url in ["/services/?status=unavailable", "/help/directory/?area=PR1", "/providers/"]:
        assert manager_client.get(url).status_code == 200, url
