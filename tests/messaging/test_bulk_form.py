"""The bulk message form as a manager sees it: each list under its own "Send to" choice, the
hint in plain words, and a character count."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def revealed(page):
    """{radio value: (the id of the block it reveals, the selects in that block, hidden?)}."""
    found = {}
    for tag in re.findall(r'<input\b[^>]*name="audience"[^>]*>', page):
        value = re.search(r'value="([^"]*)"', tag).group(1)
        controls = re.search(r'data-aria-controls="([^"]*)"', tag)
        block = controls and re.search(
            rf'<div class="govuk-radios__conditional([^"]*)" id="{controls.group(1)}">(.*?)'
            r"</div> </div>",
            page,
            re.S,
        )
        found[value] = block and (
            controls.group(1),
            re.findall(r'<select name="([^"]*)"', block.group(2)),
            "--hidden" in block.group(1),
        )
    return found


def test_each_list_is_revealed_only_under_its_own_send_to_choice(manager_client):
    page = manager_client.get(reverse("messaging:bulk_new")).content.decode()
    assert 'class="govuk-radios" data-module="govuk-radios"' in page
    found = revealed(page)
    assert {value: block[1:] for value, block in found.items()} == {
        "scheme": (["scheme"], True),
        "patch": (["patch"], True),
        "cohort": (["cohort"], True),
        "campaign": (["campaign"], True),
    }


def test_a_refused_form_shows_the_list_of_the_choice_made(manager_client):
    response = manager_client.post(
        reverse("messaging:bulk_new"),
        {"title": "Heatwave", "body": "Drink water.", "channel": "sms", "audience": "patch"},
    )
    page = response.content.decode()
    assert "Choose the patch" in page  # the server's check stays
    assert {value: block[2] for value, block in revealed(page).items()} == {
        "scheme": True,
        "patch": False,
        "cohort": True,
        "campaign": True,
    }


def test_the_hint_says_in_plain_words_what_tenants_receive(manager_client):
    page = manager_client.get(reverse("messaging:bulk_new")).content.decode()
    assert "((" not in page
    assert "Tenants receive “Dear” and their first name, then your message." in page


def test_the_message_has_a_character_count_for_its_limit(manager_client):
    page = manager_client.get(reverse("messaging:bulk_new")).content.decode()
    assert '<div class="govuk-character-count" data-module="govuk-character-count" ' in page
    assert 'data-maxlength="900"' in page
    assert "govuk-js-character-count" in page
