"""Photos attached to posts are validated and re-encoded so that no metadata survives."""

import random
import struct
import warnings
import zlib
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms, ImageOps, PngImagePlugin

from community.forum.images import (
    MAX_DIMENSION,
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    CleanImage,
    clean_image,
)

RED = (220, 20, 20)
BLUE = (20, 20, 220)
SECRET = "Kari Nordmann, Storgata 1"  # a name and address nobody should find in the output


# --- building uploads in memory -------------------------------------------------------------


def encode(image: Image.Image, image_format: str, **options) -> bytes:
    """Return the image saved in the given format."""
    output = BytesIO()
    image.save(output, format=image_format, **options)
    return output.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    """Return the bytes as a Django upload, like a view would receive them."""
    return SimpleUploadedFile(name, data, content_type=content_type)


def halves(size=(40, 20)) -> Image.Image:
    """Return a photo whose left half is red and right half blue, so rotation is visible."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def camera_exif(orientation: int | None = None) -> Image.Exif:
    """Return EXIF as a phone writes it: camera make and model, GPS position, orientation."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretPhoneMaker"
    exif[ExifTags.Base.Model] = "SecretPhone 15"
    exif[ExifTags.Base.Artist] = SECRET
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (59.0, 54.0, 45.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (10.0, 45.0, 7.0)
    return exif


def xmp_packet() -> bytes:
    """Return a minimal XMP packet naming the photographer."""
    return (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="'
        + SECRET.encode()
        + b'"/></rdf:RDF></x:xmpmeta>'
    )


def srgb_profile() -> bytes:
    """Return an sRGB ICC profile as bytes."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def profile_with_red_and_blue_swapped() -> bytes:
    """Return an RGB ICC profile in which "red" means sRGB's blue, and the reverse."""
    # Stands in for a wide-gamut profile such as Display P3: if the cleaner honours the
    # profile before dropping it, a "red" pixel comes out blue.
    profile = bytearray(srgb_profile())
    (count,) = struct.unpack(">I", profile[128:132])
    tags = {bytes(profile[at : at + 4]): at for at in range(132, 132 + 12 * count, 12)}
    red, blue = tags[b"rXYZ"] + 4, tags[b"bXYZ"] + 4  # each entry: signature, offset, size
    profile[red : red + 8], profile[blue : blue + 8] = (
        profile[blue : blue + 8],
        profile[red : red + 8],
    )
    return bytes(profile)


def with_iptc_caption(jpeg: bytes, caption: str) -> bytes:
    """Return the JPEG with an IPTC caption in a Photoshop APP13 segment after SOI."""
    text = caption.encode()
    iptc = b"\x1c\x02\x78" + struct.pack(">H", len(text)) + text  # record 2:120, caption
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    payload = b"Photoshop 3.0\x00" + resource
    segment = b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


def png_claiming_size(width: int, height: int) -> bytes:
    """Return a tiny PNG whose IHDR claims the given dimensions (a decompression bomb)."""
    data = bytearray(encode(Image.new("1", (1, 1)), "PNG"))
    # Signature (8), chunk length (4), b"IHDR" (4), then width and height; the CRC covers
    # the type and the 13 data bytes and must be right or Pillow rejects the chunk.
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


# --- checking results -----------------------------------------------------------------------

METADATA_KEYS = {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop"}
METADATA_MARKERS = [b"Exif\x00", b"http://ns.adobe.com/xap", b"ICC_PROFILE", b"Photoshop 3.0"]


def reopen(result: CleanImage) -> Image.Image:
    """Return the cleaned file decoded, checking it is what the result says it is."""
    image = Image.open(BytesIO(result.content))
    image.load()
    assert Image.MIME[image.format] == result.content_type
    assert image.size == (result.width, result.height)
    return image


def assert_no_metadata(result: CleanImage) -> None:
    """Fail if any EXIF, XMP, IPTC, ICC, comment or text chunk survived cleaning."""
    image = reopen(result)
    assert len(image.getexif()) == 0
    assert len(image.getexif().get_ifd(ExifTags.IFD.GPSInfo)) == 0
    assert not METADATA_KEYS & set(image.info)
    assert getattr(image, "text", {}) == {}
    for marker in METADATA_MARKERS + [b"SecretPhone", SECRET.encode()]:
        assert marker not in result.content


def refusal(data: bytes, **upload_options) -> ValidationError:
    """Return the ValidationError that cleaning the bytes raises."""
    with pytest.raises(ValidationError) as caught:
        clean_image(upload(data, **upload_options))
    return caught.value


# --- metadata is removed --------------------------------------------------------------------


def test_a_photo_with_gps_exif_comes_back_without_it():
    data = encode(halves(), "JPEG", exif=camera_exif())
    original = Image.open(BytesIO(data)).getexif()
    assert original.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"

    result = clean_image(upload(data))

    assert_no_metadata(result)


def test_the_camera_make_and_model_are_not_kept():
    data = encode(halves(), "JPEG", exif=camera_exif())
    assert Image.open(BytesIO(data)).getexif()[ExifTags.Base.Model] == "SecretPhone 15"

    result = clean_image(upload(data))

    assert ExifTags.Base.Model not in reopen(result).getexif()
    assert b"SecretPhone" not in result.content


def test_a_sideways_photo_is_turned_the_right_way_up():
    # Stored 40 wide and 20 high, red on the left; Orientation 6 says "rotate 90 degrees
    # clockwise to view", which puts the red half on top and makes the photo 20 by 40.
    data = encode(halves((40, 20)), "JPEG", exif=camera_exif(orientation=6), quality=95)

    result = clean_image(upload(data))

    image = reopen(result).convert("RGB")
    assert (result.width, result.height) == (20, 40)
    assert image.getpixel((10, 5))[0] > 150  # top is red
    assert image.getpixel((10, 35))[2] > 150  # bottom is blue
    assert_no_metadata(result)  # so the Orientation tag cannot rotate it a second time


def test_a_photo_whose_orientation_cannot_be_read_is_kept_as_it_is(monkeypatch):
    def unreadable(*args, **kwargs):
        raise SyntaxError("damaged EXIF")

    monkeypatch.setattr(ImageOps, "exif_transpose", unreadable)
    data = encode(halves((40, 20)), "JPEG", exif=camera_exif(orientation=6))

    result = clean_image(upload(data))

    assert (result.width, result.height) == (40, 20)
    assert_no_metadata(result)


def test_xmp_iptc_icc_and_comments_are_removed_from_a_jpeg():
    data = encode(
        halves(),
        "JPEG",
        exif=camera_exif(),
        xmp=xmp_packet(),
        icc_profile=srgb_profile(),
        comment=SECRET,
    )
    data = with_iptc_caption(data, SECRET)
    original = Image.open(BytesIO(data))
    assert {"xmp", "icc_profile", "comment", "photoshop"} <= set(original.info)

    result = clean_image(upload(data))

    assert_no_metadata(result)


def test_png_text_chunks_and_exif_are_removed():
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", SECRET)
    text.add_text("Comment", SECRET, zip=True)
    text.add_itxt("XML:com.adobe.xmp", xmp_packet().decode())
    data = encode(halves(), "PNG", pnginfo=text, exif=camera_exif(), icc_profile=srgb_profile())
    original = Image.open(BytesIO(data))
    original.load()
    assert original.text["Author"] == SECRET

    result = clean_image(upload(data, name="photo.png", content_type="image/png"))

    assert_no_metadata(result)


def test_webp_exif_xmp_and_icc_are_removed():
    data = encode(
        halves(), "WEBP", exif=camera_exif(), xmp=xmp_packet(), icc_profile=srgb_profile()
    )
    assert {"exif", "xmp", "icc_profile"} <= set(Image.open(BytesIO(data)).info)

    result = clean_image(upload(data, name="photo.webp", content_type="image/webp"))

    assert_no_metadata(result)


# --- formats, modes and sizes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("image_format", "content_type", "extension"),
    [("JPEG", "image/jpeg", "jpg"), ("PNG", "image/png", "png"), ("WEBP", "image/webp", "webp")],
)
def test_each_accepted_format_is_re_encoded_in_the_same_format(
    image_format, content_type, extension
):
    result = clean_image(upload(encode(halves(), image_format)))

    assert (result.content_type, result.extension) == (content_type, extension)
    assert reopen(result).format == image_format
    assert (result.width, result.height) == (40, 20)


def test_the_format_is_taken_from_the_content_not_the_name_or_content_type():
    data = encode(halves(), "PNG")

    result = clean_image(upload(data, name="holiday.gif", content_type="image/gif"))

    assert (result.content_type, result.extension) == ("image/png", "png")


def test_an_upload_that_was_already_read_is_read_from_the_start():
    attached = upload(encode(halves(), "JPEG"))
    attached.read()

    assert clean_image(attached).extension == "jpg"


def test_any_binary_file_like_object_can_be_cleaned():
    result = clean_image(BytesIO(encode(halves(), "WEBP")))

    assert result.extension == "webp"


def test_a_large_photo_is_scaled_down_to_the_maximum_dimension():
    data = encode(halves((MAX_DIMENSION * 2, MAX_DIMENSION // 2)), "JPEG")

    result = clean_image(upload(data))

    assert (result.width, result.height) == (MAX_DIMENSION, MAX_DIMENSION // 4)


def test_a_large_portrait_photo_keeps_its_shape_when_scaled_down():
    data = encode(halves((1500, 3000)), "PNG")

    result = clean_image(upload(data))

    assert (result.width, result.height) == (MAX_DIMENSION // 2, MAX_DIMENSION)


def test_a_small_photo_is_not_enlarged():
    result = clean_image(upload(encode(halves((300, 200)), "JPEG")))

    assert (result.width, result.height) == (300, 200)


def test_a_cmyk_jpeg_becomes_an_rgb_jpeg_with_the_same_colours():
    cmyk = Image.new("CMYK", (40, 20), (0, 255, 255, 0))  # pure red in print colours
    data = encode(cmyk, "JPEG")

    result = clean_image(upload(data))

    image = reopen(result)
    assert image.mode == "RGB"
    red, green, blue = image.getpixel((20, 10))
    assert red > 200 and green < 60 and blue < 60


def test_colours_are_mapped_through_the_embedded_profile_before_it_is_dropped():
    image = Image.new("RGB", (40, 20), (255, 0, 0))
    data = encode(image, "JPEG", quality=95, icc_profile=profile_with_red_and_blue_swapped())

    result = clean_image(upload(data))

    red, green, blue = reopen(result).getpixel((20, 10))
    assert blue > 200 and red < 60 and green < 60
    assert_no_metadata(result)


def test_a_photo_with_a_broken_colour_profile_is_still_accepted():
    data = encode(halves(), "JPEG", quality=95, icc_profile=b"not really a colour profile")

    result = clean_image(upload(data))

    assert reopen(result).getpixel((5, 10))[0] > 200
    assert_no_metadata(result)


def test_a_greyscale_jpeg_stays_greyscale():
    result = clean_image(upload(encode(Image.new("L", (40, 20), 128), "JPEG")))

    assert reopen(result).mode == "L"


def test_a_transparent_png_keeps_its_transparency():
    image = Image.new("RGBA", (40, 20), (*RED, 255))
    image.paste((0, 0, 0, 0), (0, 0, 10, 20))

    result = clean_image(upload(encode(image, "PNG")))

    cleaned = reopen(result)
    assert cleaned.mode == "RGBA"
    assert cleaned.getpixel((5, 10))[3] == 0
    assert cleaned.getpixel((30, 10)) == (*RED, 255)


def test_a_palette_png_with_a_transparent_colour_keeps_its_transparency():
    image = Image.new("P", (40, 20), 1)
    image.putpalette([0, 0, 0, *RED] + [0] * 762)
    image.paste(0, (0, 0, 10, 20))
    data = encode(image, "PNG", transparency=0)

    result = clean_image(upload(data))

    cleaned = reopen(result)
    assert cleaned.mode == "RGBA"
    assert cleaned.getpixel((5, 10))[3] == 0
    assert cleaned.getpixel((30, 10)) == (*RED, 255)


def test_a_transparent_webp_keeps_its_transparency():
    image = Image.new("RGBA", (40, 20), (*RED, 255))
    image.paste((0, 0, 0, 0), (0, 0, 10, 20))

    result = clean_image(upload(encode(image, "WEBP", lossless=True)))

    cleaned = reopen(result)
    assert cleaned.mode == "RGBA"
    assert cleaned.getpixel((5, 10))[3] == 0


def test_a_sixteen_bit_greyscale_png_keeps_its_tones():
    image = Image.new("I;16", (40, 20), 32768)  # mid-grey on a 0-65535 scale

    result = clean_image(upload(encode(image, "PNG")))

    cleaned = reopen(result)
    assert cleaned.mode == "L"
    assert 120 <= cleaned.getpixel((20, 10)) <= 136


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_an_animated_image_keeps_only_its_first_frame(image_format):
    frames = [Image.new("RGB", (40, 20), colour) for colour in (RED, BLUE, RED)]
    data = encode(frames[0], image_format, save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(BytesIO(data)).n_frames == 3

    result = clean_image(upload(data))

    cleaned = reopen(result)
    assert getattr(cleaned, "n_frames", 1) == 1
    assert cleaned.convert("RGB").getpixel((20, 10))[0] > 200


# --- refusals -------------------------------------------------------------------------------


def test_an_empty_file_is_refused():
    error = refusal(b"")

    assert error.code == "empty"
    assert "empty" in error.messages[0]


def test_a_file_over_the_size_limit_is_refused_without_being_read():
    class Oversized:
        size = MAX_UPLOAD_BYTES + 1

        def read(self, *args):
            raise AssertionError("an oversized upload must not be read")

    with pytest.raises(ValidationError) as caught:
        clean_image(Oversized())

    assert caught.value.code == "too_large"
    assert "8 MB" in caught.value.messages[0]


def test_a_file_over_the_size_limit_is_refused_even_if_it_claims_to_be_small():
    attached = upload(b"\xff" * (MAX_UPLOAD_BYTES + 1))
    attached.size = 100

    with pytest.raises(ValidationError) as caught:
        clean_image(attached)

    assert caught.value.code == "too_large"


def test_a_file_exactly_at_the_size_limit_is_not_refused_for_its_size():
    # Random bytes padded to the limit: refused, but as unreadable, not as too large.
    error = refusal(b"\0" * MAX_UPLOAD_BYTES)

    assert error.code == "invalid_image"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(random.Random(0).randbytes(4096), id="random bytes"),
        pytest.param(b"Dear moderator, here is my photo.", id="text"),
        pytest.param(
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
            b'height="10"><script>alert(1)</script></svg>',
            id="svg",
        ),
        pytest.param(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 64, id="heic"),
    ],
)
def test_a_file_that_is_not_a_readable_picture_is_refused(data):
    error = refusal(data)

    assert error.code == "invalid_image"
    assert "JPEG, PNG or WebP" in error.messages[0]


def test_a_truncated_jpeg_is_refused():
    data = encode(Image.effect_noise((400, 300), 64).convert("RGB"), "JPEG")

    error = refusal(data[: len(data) // 2])

    assert error.code == "invalid_image"


def test_a_png_with_a_broken_checksum_is_refused():
    data = bytearray(encode(halves(), "PNG"))
    data[-20] ^= 0xFF  # inside the image data, so its CRC no longer matches

    assert refusal(bytes(data)).code == "invalid_image"


@pytest.mark.parametrize(
    ("image_format", "name"),
    [("GIF", "GIF"), ("BMP", "BMP"), ("TIFF", "TIFF"), ("ICO", "ICO")],
)
def test_a_picture_in_another_format_is_refused_naming_the_accepted_ones(image_format, name):
    error = refusal(encode(halves(), image_format), name="photo.jpg")

    assert error.code == "unsupported_format"
    assert name in error.messages[0]
    assert "JPEG, PNG or WebP" in error.messages[0]


@pytest.mark.parametrize(
    ("width", "height"),
    [
        pytest.param(8000, 6000, id="above our limit"),
        pytest.param(10_000, 10_000, id="above Pillow's warning"),
        pytest.param(50_000, 50_000, id="above Pillow's error"),
    ],
)
def test_a_decompression_bomb_is_refused_before_it_is_decoded(width, height):
    assert width * height > MAX_PIXELS

    error = refusal(png_claiming_size(width, height), name="bomb.png")

    assert error.code == "too_many_pixels"
    assert "40 megapixels" in error.messages[0]


def test_refusing_a_decompression_bomb_neither_warns_nor_changes_the_warning_filters(recwarn):
    before = list(warnings.filters)

    refusal(png_claiming_size(10_000, 10_000))

    assert warnings.filters == before
    assert not [w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)]
