from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ClinicianApplication


class ApplicationForm(forms.ModelForm):
    class Meta:
        model = ClinicianApplication
        fields = ["profession", "registration_number", "organisation"]


class DecisionForm(forms.Form):
    VERIFY, REJECT, REVOKE = "verify", "reject", "revoke"
    decision = forms.ChoiceField(
        choices=[(VERIFY, _("Verify")), (REJECT, _("Reject")), (REVOKE, _("Revoke"))],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason (the applicant is told)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
