"""Validate photos attached to posts and re-encode them so that no metadata survives.

Members are patients: a phone photo's EXIF can hold where they live (GPS), which device they
own, and when the picture was taken. We therefore never store the uploaded bytes. Pillow
decodes the pixels, we turn them the right way up, and a fresh file is written from the
pixels alone, so EXIF, XMP, IPTC, ICC profiles, PNG text chunks and comments are all left
behind.

Only still photos in JPEG, PNG or WebP are accepted, identified by their content, never by
the file name or the browser's content type. Animated PNG and WebP files are accepted but
keep only their first frame: the member meant to share a picture, and a refusal they cannot
understand helps nobody; decoding a single frame also keeps the pixel budget one image's.
"""

import contextlib
import warnings
from dataclasses import dataclass
from io import BytesIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_DIMENSION = 2048  # longest side after re-encoding; larger photos are scaled down
ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# JPEG and WebP at a quality whose artefacts are hard to see on a phone; PNG stays lossless.
_SAVE_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 85},
}
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
_SIXTEEN_BIT_MODES = {"I", "I;16", "I;16L", "I;16B", "I;16N"}


@dataclass(frozen=True)
class CleanImage:
    content: bytes  # the re-encoded file
    content_type: str  # e.g. "image/jpeg"
    extension: str  # "jpg" | "png" | "webp"
    width: int
    height: int


def clean_image(upload) -> CleanImage:
    """Return the upload re-encoded without metadata, or raise ValidationError."""
    data = _read_bounded(upload)
    # Pillow warns (and past twice its limit, raises) about huge images; both must refuse
    # the upload rather than decode it. catch_warnings swaps process-wide state, but all it
    # adds is this one filter, so uploads overlapping in threads can at worst leave it on.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(BytesIO(data)) as image:
                image_format = _check_header(image)
                _reduce_while_decoding(image)
                image.load()  # decodes the first frame only, so animations keep frame one
                _turn_upright(image)
                # A new image, detached from the file that closes when this block ends.
                pixels = _normalise_mode(image, image_format)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except Exception:
            # Pillow's decoders raise many exception types (OSError, SyntaxError, ValueError,
            # struct.error...) on corrupt, truncated or hostile input; Django's ImageField
            # treats any of them as "not an image", and so do we.
            raise ValidationError(
                _("This file is not a picture we can read. Upload a JPEG, PNG or WebP photo."),
                code="invalid_image",
            ) from None
    pixels.thumbnail((MAX_DIMENSION, MAX_DIMENSION), Image.Resampling.LANCZOS)
    return _encode(pixels, image_format)


def _read_bounded(upload) -> bytes:
    """Return the upload's bytes, refusing empty or oversized files without reading them all."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise _too_large()
    # A form's ImageField may already have read the file; start from the beginning.
    seekable = getattr(upload, "seekable", None)
    if callable(seekable) and seekable():
        upload.seek(0)
    # Read one byte past the limit so a file whose .size lied is still refused.
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _too_large()
    if not data:
        raise ValidationError(_("The file is empty. Choose a photo to attach."), code="empty")
    return data


def _check_header(image: Image.Image) -> str:
    """Return the image's format after checking it and its size, before any pixels decode."""
    if image.format not in ALLOWED_FORMATS:
        raise ValidationError(
            # The accepted formats are spelled out so translators can phrase the list.
            _("%(format)s pictures cannot be attached. Upload a JPEG, PNG or WebP photo."),
            code="unsupported_format",
            params={"format": image.format},
        )
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _too_many_pixels()
    return image.format


def _reduce_while_decoding(image: Image.Image) -> None:
    """Ask the JPEG decoder to shrink by a power of two when the photo will be scaled anyway."""
    # Decoding a 40-megapixel photo at 1/2 or 1/4 scale saves most of its memory and time;
    # draft() never goes below the requested size, so the final LANCZOS pass keeps quality.
    if image.format != "JPEG":
        return
    width, height = image.size
    scale = MAX_DIMENSION / max(width, height)
    if scale < 1:
        image.draft(None, (max(1, round(width * scale)), max(1, round(height * scale))))


def _turn_upright(image: Image.Image) -> None:
    """Rotate the pixels as the EXIF Orientation tag says, when the tag is readable."""
    # A photo with a damaged EXIF block still opens in every viewer; showing it sideways is
    # better than refusing it.
    with contextlib.suppress(Exception):
        # In place: a second full-size copy of a 40-megapixel photo costs 120 MB or more.
        ImageOps.exif_transpose(image, in_place=True)


def _normalise_mode(image: Image.Image, image_format: str) -> Image.Image:
    """Return a copy in a mode the output format can store: L or RGB, plus alpha if it has one."""
    if image.mode in _SIXTEEN_BIT_MODES:
        # 16-bit greyscale PNGs would clip to white if converted directly to 8 bits.
        image = image.point(lambda value: value / 256).convert("L")
    has_alpha = image.mode in _ALPHA_MODES or "transparency" in image.info
    grey = image.mode in {"1", "L", "LA", "La"}
    if image_format == "JPEG":
        target = "L" if grey else "RGB"  # JPEG cannot store alpha, and never decodes any
    elif image_format == "WEBP":
        target = "RGBA" if has_alpha else "RGB"  # Pillow writes WebP from RGB(A) only
    else:
        target = ("LA" if has_alpha else "L") if grey else ("RGBA" if has_alpha else "RGB")
    if target == "RGB" and image.mode in {"RGB", "CMYK"}:
        return _to_srgb(image)
    return image.convert(target)


def _to_srgb(image: Image.Image) -> Image.Image:
    """Return an RGB image, mapping colours through the embedded ICC profile if there is one."""
    # We drop ICC profiles with the rest of the metadata, so a Display P3 or CMYK photo must
    # be converted to sRGB now, or it would look washed out or wrong once the profile is gone.
    profile = image.info.get("icc_profile")
    if profile:
        try:
            return ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGB",
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: fall back to the plain conversion below
    return image.convert("RGB")


def _encode(image: Image.Image, image_format: str) -> CleanImage:
    """Return a fresh file in the given format holding the pixels and nothing else."""
    # Encoders fall back to image.info for some metadata (PNG's ICC profile, JPEG comments),
    # so the pixels are copied into a new image that has no info at all.
    bare = Image.frombytes(image.mode, image.size, image.tobytes())
    output = BytesIO()
    bare.save(output, format=image_format, **_SAVE_OPTIONS[image_format])
    return CleanImage(
        content=output.getvalue(),
        content_type=ALLOWED_FORMATS[image_format],
        extension=_EXTENSIONS[image_format],
        width=bare.width,
        height=bare.height,
    )


def _too_large() -> ValidationError:
    """Return the error for a file over the upload limit."""
    return ValidationError(
        _("The photo is too large. Photos can be at most %(limit)d MB."),
        code="too_large",
        params={"limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
    )


def _too_many_pixels() -> ValidationError:
    """Return the error for an image whose dimensions are too large to decode safely."""
    return ValidationError(
        _("The picture has too many pixels. Photos can be at most %(limit)d megapixels."),
        code="too_many_pixels",
        params={"limit": MAX_PIXELS // 1_000_000},
    )
