import re

from crispy_forms_gds.layout import ConditionalRadios, Field, Layout, Size
from django import forms
from localflavor.gb.forms import GBPostcodeField
from phonenumber_field.formfields import PhoneNumberField

from accounts.models import Team, User
from config.forms import FilterForm, FollowUpsMixin, GDSFormMixin, RevealedQuestion

from .actions import parse_areas
from .models import HelpRequest, Need, Organisation
from .selectors import ALL, CLOSED, NEEDS_VALIDATION, NO_TEAM, OPEN, UNOWNED, VALID

NOTE_MAX = 2000
ANY_NEED = [("", "Any need"), *Need.choices]


class RaiseRequestForm(GDSFormMixin, forms.Form):
    need = forms.ChoiceField(
        label="What does the tenant need help with?",
        choices=Need.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the tenant needs help with"},
    )
    source = forms.ChoiceField(
        label="How did the request come in?",
        # Needs ticked when logging a call are raised with the call (and linked to it); a need
        # that came up on a welfare call and was not ticked is raised here, and says so.
        choices=HelpRequest.Source.choices,
        help_text="Needs ticked when you log a welfare call are raised for you.",
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the request came in"},
    )
    notes = forms.CharField(
        label="Notes (optional)",
        help_text="What the tenant told us. Kept in the request's history with your name.",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": f"Notes must be {NOTE_MAX} characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field.radios("need", legend_size=Size.MEDIUM),
            Field.radios("source", legend_size=Size.MEDIUM),
            Field.textarea("notes", label_size=Size.SMALL),
        )


class NoFlagNeededForm(GDSFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why no arrears flag is needed",
        max_length=200,
        help_text="For example, the tenant is up to date with the rent, or Universal Credit now "
        "covers it. Shown on the request, with your name and the time.",
        error_messages={
            "required": "Enter why no arrears flag is needed",
            "max_length": "The reason must be 200 characters or fewer",
        },
    )


class NoteForm(GDSFormMixin, forms.Form):
    text = forms.CharField(
        label="Add a note",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter a note",
            "max_length": f"The note must be {NOTE_MAX} characters or fewer",
        },
    )

    def __init__(self, *args, form_id=None, optional=False, **kwargs):
        super().__init__(*args, **kwargs)
        if form_id:
            # On an open request the box belongs to the status form too (the HTML `form`
            # attribute): "Save status" sends what was typed here, and saves it with the status.
            self.fields["text"].widget.attrs["form"] = form_id
            self.fields["text"].help_text = (
                '"Add note" below saves it on its own; "Save status" above saves it with the '
                "new status."
            )
        # Sent with a status change, a note is optional.
        self.fields["text"].required = not optional
        self.helper.layout = Layout(Field.textarea("text", label_size=Size.MEDIUM))


class StatusForm(FollowUpsMixin, GDSFormMixin, forms.Form):
    S = HelpRequest.Status
    status = forms.ChoiceField(
        label="Change the status",
        choices=[(s.value, s.label) for s in (S.IN_PROGRESS, S.REFERRED, S.RESOLVED, S.CLOSED)],
        widget=forms.RadioSelect,
        error_messages={"required": "Select the new status"},
    )
    outcome = forms.CharField(
        label="Outcome",
        help_text="What was done, and how the tenant's need was met",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(
        label="Why is it no longer needed?",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current
        # The status the request has is not offered: choosing it could only be refused.
        offered = [
            (value, label) for value, label in self.fields["status"].choices if value != current
        ]
        self.fields["status"].choices = offered
        self.fields["status"].error_messages["invalid_choice"] = (
            "The request already has this status, or it is not one of the choices: choose another"
        )
        self.helper.layout = Layout(
            ConditionalRadios(
                "status",
                *(RevealedQuestion(label, *self.follow_ups_of(value)) for value, label in offered),
            )
        )

    follow_up_field = "status"

    def follow_ups_of(self, choice):
        return {self.S.RESOLVED: ["outcome"], self.S.CLOSED: ["reason"]}.get(choice, [])

    def clean(self):
        data = self.clean_follow_ups(super().clean())
        status = data.get("status")
        if status and status == self.current:
            self.add_error("status", "The request already has this status")
        if status == self.S.RESOLVED and not data.get("outcome", "").strip():
            self.add_error("outcome", "Enter the outcome")
        if status == self.S.CLOSED and not data.get("reason", "").strip():
            self.add_error("reason", "Enter why the request is no longer needed")
        data["text"] = {self.S.RESOLVED: data.get("outcome"), self.S.CLOSED: data.get("reason")}
        data["text"] = (data["text"].get(status) or "").strip()
        return data


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class SignpostForm(GDSFormMixin, forms.Form):
    organisation = OrganisationChoiceField(
        label="Which organisation did you give the tenant?",
        queryset=Organisation.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Select the organisation you gave the tenant",
            "invalid_choice": "Select one of the organisations offered",
        },
    )
    notes = forms.CharField(
        label="What did you give the tenant?",
        help_text="For example, the phone number and opening times, or a referral you made",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what you gave the tenant"},
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.helper.layout = Layout(
            Field.radios("organisation", legend_size=Size.MEDIUM),
            Field.textarea("notes", label_size=Size.SMALL),
        )


class RequestFilterForm(GDSFormMixin, FilterForm):
    """The lists' filters, read from the query string. A value that is not one of the choices,
    or a team the user may not see, is `refused`: the page shows the error and no requests,
    never every request they can see passing for the filter asked for."""

    need = forms.ChoiceField(
        label="Need", choices=[("", "Any need"), *Need.choices], required=False
    )
    status = forms.ChoiceField(
        label="Status",
        choices=[(OPEN, "Open"), *HelpRequest.Status.choices, (ALL, "Any status")],
        required=False,
    )
    owner = forms.ChoiceField(label="Owner", required=False)
    team = forms.ChoiceField(label="Team", required=False)
    past_target = forms.BooleanField(label="Only those past their target", required=False)

    def __init__(self, *args, user, with_owner=True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_owner:
            staff = User.objects.filter(is_active=True).exclude(role=User.Role.MANAGER)
            if not user.is_manager:
                staff = staff.filter(team_id=user.team_id)
            self.fields["owner"].choices = [
                ("", "Anyone"),
                (UNOWNED, "No one (the team)"),
                *((str(person.pk), str(person)) for person in staff.order_by("first_name")),
            ]
        else:
            del self.fields["owner"]
        self.team_refusal = ""
        if user.is_manager:
            self.fields["team"].choices = [
                ("", "All teams"),
                *((str(team.pk), team.name) for team in Team.objects.order_by("name")),
                (NO_TEAM, "No team (tenant has no patch)"),
            ]
        else:
            # An officer's lists are their team's, so there is no team to choose; one in the
            # address (a link edited or passed on) is refused unless it is their own.
            del self.fields["team"]
            self.team_refusal = _team_refusal(self.data.get("team", ""), user.team_id)

    def clean(self):
        data = super().clean()
        if self.team_refusal:
            self.add_error(None, self.team_refusal)
        return data

    def filters(self):
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}


def _team_refusal(asked, own_team_id):
    """Why an officer may not list team `asked` (from the address); "" for none or their own."""
    if not asked or asked == str(own_team_id):
        return ""
    if asked == NO_TEAM:
        return "You cannot see the requests of tenants with no patch"
    if asked.isdigit() and len(asked) < 10:
        name = Team.objects.filter(pk=int(asked)).values_list("name", flat=True).first()
        if name:
            return f"You cannot see {name}'s requests"
    return f"There is no team {asked} whose requests you can see"


class OrganisationForm(GDSFormMixin, forms.ModelForm):
    needs = forms.MultipleChoiceField(
        label="Needs they meet",
        choices=Need.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the needs the organisation meets"},
    )
    areas = forms.CharField(
        label="Postcode districts covered",
        help_text="The first part of the postcode, separated by commas, for example PR1, PR2, FY8",
        required=False,
        max_length=500,
    )
    website = forms.URLField(
        label="Website",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter a web address like https://example.org"},
    )
    # A plain TextInput: crispy-forms-gds styles and marks in error only widgets of that name
    # (STACK.md), and the phone field's own widget is named otherwise.
    phone = PhoneNumberField(
        region="GB",
        required=False,
        label="Phone number",
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-20", "type": "tel"}),
        error_messages={"invalid": "Enter a UK phone number, like 01632 960 001"},
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "kind",
            "description",
            "needs",
            "covers_all_areas",
            "areas",
            "phone",
            "email",
            "website",
            "opening_notes",
            "temporarily_closed",
        ]
        labels = {
            "kind": "Type of organisation",
            "description": "What they offer",
            "covers_all_areas": "Covers all areas",
            "website": "Website",
            "temporarily_closed": "Temporarily closed: do not offer it to tenants",
        }
        widgets = {
            "kind": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 3}),
            "opening_notes": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "name": {"required": "Enter the organisation's name"},
            "kind": {"required": "Select the type of organisation"},
            "email": {"invalid": "Enter an email address like name@example.org"},
            "website": {"invalid": "Enter a web address like https://example.org"},
        }

    def __init__(self, *args, **kwargs):
        instance = kwargs.get("instance")
        if instance is not None and instance.pk:
            kwargs.setdefault("initial", {}).update(
                {
                    "needs": [row.need for row in instance.needs.all()],
                    "areas": ", ".join(instance.area_codes()),
                    "phone": instance.phone.as_national if instance.phone else "",
                }
            )
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Organisation.Kind.choices
        self.fields["opening_notes"].label = "Opening times and how to refer"
        self.helper.layout = Layout(
            Field.text("name"),
            Field.radios("kind", legend_size=Size.SMALL),
            Field.textarea("description"),
            Field.checkboxes("needs", legend_size=Size.SMALL),
            Field.checkbox("covers_all_areas"),
            Field.text("areas", field_width=20),
            Field.text("phone"),
            Field.text("email"),
            Field.text("website"),
            Field.textarea("opening_notes"),
            Field.checkbox("temporarily_closed"),
        )

    def clean_areas(self):
        try:
            return parse_areas(self.cleaned_data["areas"])
        except ValueError as error:
            raise forms.ValidationError(
                f"{error} is not a postcode district: enter the first part of a postcode, "
                "such as PR1"
            ) from None

    def clean(self):
        data = super().clean()
        if (
            not data.get("covers_all_areas")
            and not data.get("areas")
            and "areas" not in self.errors
        ):
            self.add_error(
                "areas", "Enter the postcode districts covered, or select covers all areas"
            )
        return data


_DISTRICT = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")
DISTRICT_ERROR = "Enter a postcode district, like PR1, or a full postcode, like PR1 3ZJ"


class DirectoryFilterForm(GDSFormMixin, FilterForm):
    """The directory's filter: a value that is not one of its choices (or a district longer than
    four characters) is refused with its error and no entries, never the whole directory."""

    need = forms.ChoiceField(
        label="Need", choices=[("", "Any need"), *Need.choices], required=False
    )
    area = forms.CharField(
        label="Postcode district",
        help_text="For example, PR1, or the tenant's full postcode",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-10"}),
        error_messages={"max_length": DISTRICT_ERROR},
    )
    show = forms.ChoiceField(
        label="Show",
        choices=[
            ("", "All entries"),
            (VALID, "Offered to tenants"),
            (NEEDS_VALIDATION, "Need validating"),
            (CLOSED, "Temporarily closed"),
        ],
        required=False,
    )

    def clean_area(self):
        """A district (PR1) as typed, or a full postcode's (PR1 3ZJ, pr13zj): officers have the
        tenant's whole postcode to hand."""
        area = "".join(self.cleaned_data["area"].split()).upper()
        if not area:
            return ""
        if _DISTRICT.fullmatch(area):
            return area
        if len(area) > 4 and GBPostcodeField.postcode_regex.fullmatch(f"{area[:-3]} {area[-3:]}"):
            return area[:-3]
        raise forms.ValidationError(DISTRICT_ERROR)

    def filters(self):
        return {name: value for name, value in self.values().items() if value}
