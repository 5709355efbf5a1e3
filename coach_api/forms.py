"""The workspace's form for a new API token: it reads what is typed; the service names the rule."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CoachTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Where you use the token, e.g. “Zapier” or “my script”."),
    )
    read_only = forms.BooleanField(label=_("Only read (it cannot confirm, cancel or change anything)"), required=False)
