"""The coach's settings: profile and policy, the ways to talk with their privacy notes,
and other calendars to import. The forms check formats; the services check the rules."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..models import Coach
from ..models.coach import MAX_NOTE_LENGTH, NOTE_LANGUAGES
from ..models.common import Channel, validate_time_zone
from ..phrases import CHANNEL_LABELS_FOR_COACH, channel_privacy_note_default
from ..validators import normalize_phone, normalize_threema_id, parse_openpgp_key
from .booking import time_zone_groups


def time_zone_choices(current: str) -> list:
    """The zone select: common zones first, then all; a rarely used current zone stays selectable."""
    common, others = time_zone_groups()
    if current and current not in common and current not in others:
        common = (current, *common)
    return [
        (_("Common time zones"), [(name, name) for name in common]),
        (_("All time zones"), [(name, name) for name in others]),
    ]


class CoachProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Your name as clients see it"), max_length=120)
    slug = forms.SlugField(
        label=_("Address of your booking page"),
        max_length=60,
        help_text=_("Letters, digits and hyphens. Links you gave out with the old address stop working."),
        error_messages={"invalid": _("Use only letters, digits and hyphens, e.g. anna-beispiel.")},
    )
    time_zone = forms.CharField(
        label=_("Your time zone"),
        validators=[validate_time_zone],
        help_text=_("Your weekly hours count in this zone; clients see times in their own."),
    )
    language = forms.ChoiceField(label=_("Your language"), choices=settings.LANGUAGES)
    address_form = forms.ChoiceField(
        label=_("In German, address clients as"), choices=Coach.AddressForm.choices, widget=forms.RadioSelect
    )
    # The coach's own words in German (every reader's fallback) and English; the template
    # groups each pair under a legend that names what it is.
    policy = forms.CharField(
        label=_("German (also shown when there is no English)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5, "lang": "de"}),
        help_text=_(
            "Shown at the top of your booking page and in the automatic answer to a message outside a booking."
        ),
    )
    policy_en = forms.CharField(
        label=_("English"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 5, "lang": "en"})
    )
    reply_note = forms.CharField(
        label=_("German (also shown when there is no English)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"lang": "de"}),
        help_text=_(
            "Shown beside your reply windows on your booking page. The windows themselves are under "
            "Availability → Reply windows."
        ),
    )
    reply_note_en = forms.CharField(
        label=_("English"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"lang": "en"}),
        help_text=_("e.g. “Urgent matters: please book a short call.”"),
    )
    minimum_message_length = forms.IntegerField(
        label=_("Minimum length of the client's personal message (characters)"), min_value=1, max_value=2000
    )
    contact_answer_days = forms.IntegerField(
        label=_("Answer messages outside a booking automatically at most once per sender every (days)"),
        min_value=1,
        max_value=90,
        help_text=_(
            "Someone who writes to your Threema ID or WhatsApp number about no booking gets your contact policy, "
            "your next reply window and the link to book; the message is kept for you."
        ),
    )
    privacy_text = forms.CharField(
        label=_("Your privacy notice"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Shown on your privacy page and linked from the booking form; each booking stores which version its "
            "client agreed to. Leave empty for the standard text."
        ),
    )
    retention_months = forms.IntegerField(
        label=_("Keep the details of past bookings for (months)"),
        min_value=1,
        max_value=120,
        help_text=_(
            "After that, a past booking is anonymised: the client's name, contact details and message are removed."
        ),
    )
    # Beside each type's own limits; the model checks that the week allows the day's.
    daily_cap = forms.IntegerField(
        label=_("At most per day"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("Appointments of all your types together on one day. Leave empty for no limit."),
    )
    weekly_cap = forms.IntegerField(
        label=_("At most per week"),
        required=False,
        min_value=1,
        max_value=500,
        help_text=_(
            "Appointments of all your types together in one week (Monday to Sunday). Leave empty for no limit."
        ),
    )

    def __init__(self, *args, coach: Coach, **kwargs):
        kwargs.setdefault("initial", {name: getattr(coach, name) for name in self.base_fields})
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        current = self.data.get("time_zone") if self.is_bound else coach.time_zone
        self.fields["time_zone"].widget = forms.Select(choices=time_zone_choices(current or ""))

    def clean_slug(self):
        return self.cleaned_data["slug"].lower()


def note_field_name(language: str, channel: str) -> str:
    return f"note_{language}_{channel}"


class CoachChannelsForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label=_("Ways to talk you offer"),
        choices=[(value, CHANNEL_LABELS_FOR_COACH[value]) for value in Channel.values],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Offer at least one way to talk.")},
    )
    threema_id = forms.CharField(
        label=_("Your Threema ID"),
        required=False,
        max_length=20,
        help_text=_("8 characters, e.g. ABCD1234. Shown to a client only inside a confirmed Threema booking."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    whatsapp_number = forms.CharField(
        label=_("Your WhatsApp business number"),
        required=False,
        max_length=40,
        help_text=_(
            "With country code, e.g. +49 170 1234567. Shown to a client only inside a confirmed WhatsApp booking."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )

    def __init__(self, *args, coach: Coach, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.coach = coach
        self.initial.setdefault("channels", coach.channels)
        self.initial.setdefault("threema_id", coach.threema_id)
        self.initial.setdefault("whatsapp_number", coach.whatsapp_number)
        language_names = dict(settings.LANGUAGES)
        for channel in Channel.values:
            for language in NOTE_LANGUAGES:
                name = note_field_name(language, channel)
                self.fields[name] = forms.CharField(
                    label=_("Privacy note in %(language)s") % {"language": language_names[language]},
                    required=False,
                    max_length=MAX_NOTE_LENGTH,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
                default = channel_privacy_note_default(coach=coach, channel=channel, language=language)
                self.initial.setdefault(name, coach.channel_notes.get(language, {}).get(channel) or default)

    def clean_threema_id(self):
        value = self.cleaned_data["threema_id"]
        return normalize_threema_id(value) if value else ""

    def clean_whatsapp_number(self):
        value = self.cleaned_data["whatsapp_number"]
        return normalize_phone(value) if value else ""

    def channel_rows(self):
        """(channel label, checkbox, its note fields) per channel, for the template."""
        boxes = {box.data["value"]: box for box in self["channels"]}
        return [
            (
                CHANNEL_LABELS_FOR_COACH[channel],
                boxes[channel],
                [self[note_field_name(language, channel)] for language in NOTE_LANGUAGES],
            )
            for channel in Channel.values
        ]

    def channels_data(self) -> dict:
        data = self.cleaned_data
        return {
            "channels": data["channels"],
            "threema_id": data["threema_id"],
            "whatsapp_number": data["whatsapp_number"],
            "channel_notes": {
                language: {channel: data[note_field_name(language, channel)] for channel in Channel.values}
                for language in NOTE_LANGUAGES
            },
        }


class CoachKeyForm(forms.Form):
    """The coach's own OpenPGP public key: e-mails to the coach that carry a client's message
    or contact details are encrypted to it."""

    pgp_public_key = forms.CharField(
        label=_("Your OpenPGP public key"),
        max_length=100_000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "mono"}),
        help_text=_(
            "Paste the whole block, from -----BEGIN PGP PUBLIC KEY BLOCK----- to -----END PGP PUBLIC KEY BLOCK-----. "
            "E-mails to you with a client's message or contact details are then encrypted to it."
        ),
        error_messages={"required": _("Paste your public key here.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_pgp_public_key(self):
        return parse_openpgp_key(self.cleaned_data["pgp_public_key"]).armored


class ExternalCalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, help_text=_("For you, e.g. “Family calendar”."))
    url = forms.URLField(
        label=_("Calendar address (ICS)"),
        max_length=2000,
        assume_scheme="https",
        help_text=_("The private ICS address your calendar app offers for subscribing (http or https)."),
        error_messages={"invalid": _("Give an address that starts with http:// or https://.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class CaldavCalendarForm(forms.Form):
    """The coach's CalDAV calendar: its address and login. The password is never put back
    into the page (PasswordInput without render_value), also not when the form has errors.
    Its fields are prefixed: the page has the ICS form's `name` and `url` too."""

    prefix = "caldav"

    url = forms.URLField(
        label=_("CalDAV address of the calendar"),
        max_length=2000,
        assume_scheme="https",
        help_text=_(
            "The calendar's CalDAV address as your provider shows it, or only the server's "
            "(e.g. https://caldav.icloud.com/): its calendars are then found."
        ),
        error_messages={"invalid": _("Give an address that starts with http:// or https://.")},
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    username = forms.CharField(
        label=_("User name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("App password"),
        max_length=1000,
        strip=False,
        help_text=_(
            "Make an app password for Sprechzeit in your provider's security settings; your main password "
            "is not needed. It is stored encrypted and never shown again."
        ),
        # "new-password": browsers must not fill in the password of this site's login.
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    name = forms.CharField(
        label=_("Name (optional)"),
        max_length=120,
        required=False,
        help_text=_("For you; without one, the calendar's own name is used."),
    )
    # Offered only when the address led to several calendars (calendars_offer); the one
    # chosen is connected instead of the address, and checked like any address.
    calendar = forms.CharField(label=_("Which calendar?"), max_length=2000, required=False, widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_url(self):
        # URLField also takes ftp://; a calendar is spoken to over the web only.
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(self.fields["url"].error_messages["invalid"])
        return url

    def calendars_offer(self, calendars: list[tuple[str, str]]) -> None:
        """Let the coach choose among the calendars the address led to."""
        self.fields["calendar"].widget.choices = [
            (address, f"{name} ({address})" if name else address) for address, name in calendars
        ]

    def connect_data(self) -> dict:
        """The service's arguments: the calendar chosen, else the address given."""
        data = dict(self.cleaned_data)
        chosen = data.pop("calendar")
        if chosen:
            data["url"] = chosen
        return data


class CoachEmbedForm(forms.Form):
    """The websites that may frame the booking pages; Coach.clean checks each line."""

    embed_origins = forms.CharField(
        label=_("Websites that may show your booking pages"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "none"}),
        help_text=_(
            "One address per line, e.g. https://www.example.com (with http:// or https://, without a path). "
            "Leave empty to allow any website."
        ),
    )

    def __init__(self, *args, coach: Coach, **kwargs):
        kwargs.setdefault("initial", {"embed_origins": coach.embed_origins})
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
