"""Helpers of the privacy tests: building exports without a broker, reading zips, logging in."""

import io
import zipfile

from django.urls import reverse

from community.privacy.models import DataExport
from community.privacy.tasks import build_data_export
from tests.conftest import PASSWORD


def built(export: DataExport) -> DataExport:
    """Run the build task in this process (as a worker would) and return the fresh row.

    Called directly rather than through on_commit and .delay(), so the test does not depend
    on Celery's eager setting (CI runs with a Redis broker configured).
    """
    build_data_export(export_id=export.pk)
    export.refresh_from_db()
    return export


def zip_members(content: bytes) -> dict[str, bytes]:
    """Every file in a zip, by name, decompressed."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def log_in_recently(client, user, password: str = PASSWORD) -> None:
    """Log in and confirm the password on allauth's reauthentication page, which records
    the moment (what reauthentication_required looks at). Neither force_login nor, in
    allauth 65.21, the login form itself counts as a recent confirmation."""
    client.force_login(user)
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response.status_code
    assert client.session["_auth_user_id"] == str(user.pk)
