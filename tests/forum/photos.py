"""Small in-memory photos for forum tests."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def photo_upload(name: str = "photo.jpg", *, size=(64, 48), exif=None) -> SimpleUploadedFile:
    """Return an uploaded JPEG, optionally carrying the given EXIF block."""
    buffer = BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, (120, 160, 200)).save(buffer, "JPEG", **options)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
