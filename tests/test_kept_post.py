"""A form's POST-only address opened as a page shows the app's own page, not a blank 405."""

import pytest

pytestmark = pytest.mark.django_db


class TestPostOnlyAddresses:
    def test_a_post_only_address_opened_as_a_page_shows_the_apps_page(self, officer_client):
        response = officer_client.get("/queue/next/")
        assert response.status_code == 405
        assert response["Allow"] == "POST"
        assert "This address is for sending a form" in response.content.decode()
