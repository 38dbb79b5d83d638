"""The Django admin: staff with two-factor get in; signed-in non-staff get 404, no loop."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD, current_totp_code

ADMIN_PAGES = ["/admin/", "/admin/accounts/user/", "/admin/logout/", "/admin/no-such-page/"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["member", "moderator", "clinician"])
def test_signed_in_non_staff_get_404_from_the_admin_without_a_redirect(client, request, role, url):
    client.force_login(request.getfixturevalue(role))
    response = client.get(url, follow=True)
    assert response.status_code == 404
    assert response.redirect_chain == []


def test_a_signed_in_member_sent_to_the_admin_login_ends_at_404_not_in_a_loop(client, member):
    client.force_login(member)
    response = client.get(reverse("admin:login") + "?next=/admin/", follow=True)
    assert response.status_code == 404
    assert len(response.redirect_chain) <= 3


def test_a_logged_out_visitor_opening_the_admin_is_sent_to_the_site_login(client, db):
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == reverse("account_login")
    assert parse_qs(urlparse(response.redirect_chain[-1][0]).query)["next"] == ["/admin/"]


def test_staff_with_two_factor_open_the_admin(client, staff, make_user):
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    # A page their permissions do not cover is the admin's own refusal, not a 404.
    assert client.get("/admin/accounts/user/").status_code == 403
    client.force_login(make_user(mfa=True, is_staff=True, is_superuser=True))
    assert client.get("/admin/accounts/user/").status_code == 200


def test_staff_log_in_with_password_and_code_and_land_in_the_admin(client, staff):
    login = client.post(
        reverse("account_login") + "?next=/admin/", {"login": staff.email, "password": PASSWORD}
    )
    assert login["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": current_totp_code()})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_superuser_who_is_not_staff_gets_404(client, make_user):
    client.force_login(make_user(mfa=True, is_superuser=True))
    assert client.get("/admin/").status_code == 404
