"""Forms for writing in the forum. Validation of content rules lives in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from community.safety.forms import PersonalDataFormMixin

from .clinician_notes import NOTE_MAX
from .images import clean_image
from .models import NoteStance
from .services import CONTENT_WARNING_MAX, MAX_IMAGES_PER_POST, TITLE_MAX


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to a few photos; each is checked and re-encoded without its metadata."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, (list, tuple)) else [data]
        uploads = [upload for upload in uploads if upload]
        if len(uploads) > MAX_IMAGES_PER_POST:
            raise forms.ValidationError(
                _("You can attach up to %(max)d photos to a post."),
                code="too_many_images",
                params={"max": MAX_IMAGES_PER_POST},
            )
        return [clean_image(super(PhotosField, self).clean(upload, initial)) for upload in uploads]


def body_field() -> forms.CharField:
    return forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "You can use Markdown: *italic*, **bold**, lists and links. Please do not share "
            "other people's personal details."
        ),
    )


def content_warning_field() -> forms.CharField:
    return forms.CharField(
        label=_("Content warning (optional)"),
        required=False,
        max_length=CONTENT_WARNING_MAX,
        help_text=_(
            "For difficult topics, a short label such as “hospital stay” hides your message "
            "until the reader chooses to open it."
        ),
    )


def anonymous_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("Post anonymously to other members (shown as “A group member”)"),
        required=False,
        help_text=_("Moderators can still see who wrote it; each time they look is recorded."),
    )


class ReplyForm(PersonalDataFormMixin, forms.Form):
    body = body_field()
    content_warning = content_warning_field()
    anonymous = anonymous_field()
    images = PhotosField(
        label=_("Photos (optional)"),
        help_text=_("JPEG, PNG or WebP, up to 8 MB each. Location and camera data are removed."),
    )


class ThreadForm(ReplyForm):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    field_order = ["title", "body", "content_warning", "anonymous", "images"]


class EditPostForm(PersonalDataFormMixin, forms.Form):
    body = body_field()
    content_warning = content_warning_field()


class ClinicianNoteForm(PersonalDataFormMixin, forms.Form):
    stance = forms.ChoiceField(
        label=_("What does your note do?"), choices=NoteStance.choices, widget=forms.RadioSelect
    )
    body = forms.CharField(
        label=_("Your note"),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": NOTE_MAX}),
        help_text=_(
            "Short and plain, for every reader of the post; it is shown under the post with "
            "your verified-clinician badge. You can use Markdown and links to sources."
        ),
    )


class MoveThreadForm(forms.Form):
    target = forms.ModelChoiceField(label=_("Move to group"), queryset=None, empty_label=None)

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = groups


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search your groups"), max_length=200, required=False)
