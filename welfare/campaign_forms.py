"""Campaign forms: a campaign's questions on the call form, and the manager's campaign forms."""

from crispy_forms_gds.layout import Field, Fieldset, Layout, Size
from django import forms

from accounts.access import teams_in_scope
from accounts.models import Patch, Team
from config.forms import DateField, FilterForm, GDSFormMixin
from here_to_help.models import Need

from .campaign_models import Campaign, CampaignQuestion
from .campaign_selectors import FIGURE_NAMES, NO_TEAM, QUEUE_NAMES

YES_NO = [("yes", "Yes"), ("no", "No")]


def _question_field(question, number):
    label = f"{number}. {question.text}"
    help_text = ""
    if question.need_on_no:
        help_text = (
            f"A 'no' suggests a need for {question.get_need_on_no_display().lower()}: "
            "tick it under Support the tenant needs if they want help."
        )
    if question.kind == CampaignQuestion.Kind.YES_NO:
        return forms.ChoiceField(
            label=label,
            help_text=help_text,
            choices=YES_NO,
            widget=forms.RadioSelect,
            required=False,
        )
    if question.kind == CampaignQuestion.Kind.CHOICE:
        options = [(option, option) for option in question.option_list()]
        return forms.ChoiceField(
            label=label,
            help_text=help_text,
            choices=options,
            widget=forms.RadioSelect,
            required=False,
        )
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def add_campaign_scripts(form, campaigns):
    """Add the questions of each campaign (not the programme, whose six questions the call
    form has always had) to `form`; returns one fieldset per campaign for its layout."""
    fieldsets = []
    for campaign in campaigns:
        if not campaign.questions.all():
            continue  # a reason to call (provider staffing critical), not a script
        names = []
        for number, question in enumerate(campaign.questions.all(), start=1):
            name = f"campaign_{campaign.pk}_{question.position}"
            form.fields[name] = _question_field(question, number)
            names.append(name)
        items = [
            Field.textarea(name, rows=2)
            if isinstance(form.fields[name].widget, forms.Textarea)
            else Field.radios(name, legend_size=Size.SMALL, inline=True)
            for name in names
        ]
        fieldsets.append(
            Fieldset(*items, legend=f"{campaign.name}: the script", legend_size=Size.MEDIUM)
        )
    return fieldsets


def campaign_answers(cleaned, campaigns):
    """The answers to each campaign's script, in question order: {campaign id: [answers]}."""
    return {
        campaign.pk: [
            cleaned.get(f"campaign_{campaign.pk}_{question.position}") or ""
            for question in campaign.questions.all()
        ]
        for campaign in campaigns
    }


QUESTION_ROWS = 6
QUESTION_KINDS = CampaignQuestion.Kind.choices


class CampaignForm(GDSFormMixin, forms.Form):
    """A manager's new campaign: who, when, how often, and its script."""

    name = forms.CharField(
        label="Name",
        help_text="For example, Cold weather check",
        max_length=100,
        error_messages={"required": "Enter the campaign's name"},
    )
    starts_on = DateField(
        label="Starts on",
        help_text="For example, 1 12 2026",
        error_messages={
            "required": "Enter the day it starts",
            "incomplete": "Enter the day it starts",
        },
    )
    schedule = forms.ChoiceField(
        label="How often is each tenant called?",
        choices=Campaign.Schedule.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how often each tenant is called"},
    )
    cadence_days = forms.IntegerField(
        label="Call every (days)",
        required=False,
        min_value=1,
        max_value=365,
        widget=forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-4"}),
        error_messages={
            "invalid": "Enter a whole number of days",
            "min_value": "Enter a number of days from 1 to 365",
            "max_value": "Enter a number of days from 1 to 365",
        },
    )
    ends_on = DateField(
        label="Ends on (each tenant is called by this day)",
        help_text="Needed when each tenant is called once. For example, 19 12 2026",
        required=False,
        require_all_fields=False,
    )
    kind = forms.ChoiceField(
        label="Who is in it?",
        choices=[
            (Campaign.Kind.COHORT, "Tenants who match the filter below"),
            (Campaign.Kind.LIST, "An imported list (a council's or the NHS's), added after"),
        ],
        initial=Campaign.Kind.COHORT,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who is in the campaign"},
    )
    min_age = forms.IntegerField(
        label="Aged at least",
        help_text="Leave blank for any age",
        required=False,
        min_value=16,
        max_value=120,
        widget=forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-3"}),
        error_messages={
            "invalid": "Enter an age in whole years",
            "min_value": "Enter an age from 16 to 120",
            "max_value": "Enter an age from 16 to 120",
        },
    )
    home_type = forms.ChoiceField(label="Home", choices=Campaign.HomeType.choices, required=False)
    lives_alone_only = forms.BooleanField(label="Only tenants who live alone", required=False)
    lifeline_only = forms.BooleanField(label="Only Lifeline customers", required=False)
    teams = forms.ModelMultipleChoiceField(
        label="Teams",
        help_text="Leave all unticked for every team",
        queryset=Team.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    patches = forms.ModelMultipleChoiceField(
        label="Patches",
        help_text="Leave all unticked for every patch. A team or a patch ticked is in it.",
        queryset=Patch.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        questions = []
        for n in range(1, QUESTION_ROWS + 1):
            self.fields[f"q{n}_text"] = forms.CharField(
                label=f"Question {n}",
                required=False,
                max_length=300,
                help_text="Leave blank for no more questions" if n > 1 else "",
            )
            self.fields[f"q{n}_kind"] = forms.ChoiceField(
                label="Answer", choices=QUESTION_KINDS, required=False
            )
            self.fields[f"q{n}_choices"] = forms.CharField(
                label="Options for a choice, one a line",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[f"q{n}_need"] = forms.ChoiceField(
                label="A 'no' suggests the need",
                choices=[("", "No need suggested"), *Need.choices],
                required=False,
            )
            questions.append(
                Fieldset(
                    f"q{n}_text",
                    f"q{n}_kind",
                    Field.textarea(f"q{n}_choices", rows=3),
                    f"q{n}_need",
                    legend=f"Question {n}",
                    legend_size=Size.SMALL,
                )
            )
        self.helper.layout = Layout(
            "name",
            "starts_on",
            Fieldset(
                Field.radios("schedule", legend_size=Size.SMALL),
                "cadence_days",
                "ends_on",
                legend="When",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.radios("kind", legend_size=Size.SMALL),
                "min_age",
                "home_type",
                Field.checkboxes("teams", legend_size=Size.SMALL),
                Field.checkboxes("patches", legend_size=Size.SMALL),
                "lives_alone_only",
                "lifeline_only",
                legend="Who is in it",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(*questions, legend="The script", legend_size=Size.MEDIUM),
        )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if Campaign.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError("A campaign with this name already exists")
        return name

    def clean(self):
        data = super().clean()
        schedule, starts_on, ends_on = (
            data.get("schedule"),
            data.get("starts_on"),
            data.get("ends_on"),
        )
        cadence_missing = not data.get("cadence_days") and "cadence_days" not in self.errors
        if schedule == Campaign.Schedule.CADENCE and cadence_missing:
            self.add_error("cadence_days", "Enter how many days between calls")
        if schedule == Campaign.Schedule.ONCE and not ends_on and "ends_on" not in self.errors:
            self.add_error("ends_on", "Enter the day each tenant must be called by")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The end date must be on or after the start")
        if schedule != Campaign.Schedule.CADENCE:
            data["cadence_days"] = None
        questions = []
        for n in range(1, QUESTION_ROWS + 1):
            text = " ".join((data.get(f"q{n}_text") or "").split())
            if not text:
                continue
            kind = data.get(f"q{n}_kind") or CampaignQuestion.Kind.TEXT
            choices = "\n".join(
                line.strip()
                for line in (data.get(f"q{n}_choices") or "").splitlines()
                if line.strip()
            )
            if kind == CampaignQuestion.Kind.CHOICE and len(choices.splitlines()) < 2:
                self.add_error(f"q{n}_choices", f"Enter at least two options for question {n}")
            need = data.get(f"q{n}_need") or ""
            if need and kind != CampaignQuestion.Kind.YES_NO:
                self.add_error(f"q{n}_need", "Only a yes or no question can suggest a need")
            questions.append({"text": text, "kind": kind, "choices": choices, "need_on_no": need})
        if not questions and "q1_text" not in self.errors:
            self.add_error("q1_text", "Enter at least one question")
        data["questions"] = questions
        return data

    def campaign_fields(self):
        data = self.cleaned_data
        listed = data["kind"] == Campaign.Kind.LIST
        if listed:  # the list says who: no filter
            data.update(min_age=None, home_type="", lives_alone_only=False, lifeline_only=False)
            data["teams"], data["patches"] = [], []
        return {
            "name": data["name"],
            "kind": data["kind"],
            "starts_on": data["starts_on"],
            "ends_on": data.get("ends_on"),
            "schedule": data["schedule"],
            "cadence_days": data.get("cadence_days"),
            "min_age": data.get("min_age"),
            "home_type": data.get("home_type") or "",
            "lives_alone_only": data.get("lives_alone_only", False),
            "lifeline_only": data.get("lifeline_only", False),
            "teams": data.get("teams") or [],
            "patches": data.get("patches") or [],
            "questions": data["questions"],
        }


class CampaignExtendForm(GDSFormMixin, forms.Form):
    ends_on = DateField(
        label="New end date",
        help_text="For example, 9 1 2027",
        error_messages={
            "required": "Enter the new end date",
            "incomplete": "Enter the new end date",
        },
    )


class CampaignCloseForm(GDSFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why close it with tenants not reached?",
        help_text="Needed when any tenant was not reached. Say what happens to them now.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ListUploadForm(GDSFormMixin, forms.Form):
    file = forms.FileField(
        label="Upload the list",
        help_text=(
            "A CSV file with a tenancy_ref column, or last_name, date_of_birth and postcode "
            "(first_name helps tell two people apart). Up to 10 MB."
        ),
        error_messages={"required": "Select a CSV file", "empty": "The selected file is empty"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The selected file must be a CSV")
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError("The selected file must be smaller than 10 MB")
        return upload


class FigureFilterForm(FilterForm):
    """Which figure's tenants a campaign's list shows (`show`, blank: every tenant) and for which
    team (blank: every team the user may see; "none": tenants with no patch). A value that is
    not one of the choices is refused: no tenants, never the whole campaign passing for it."""

    show = forms.ChoiceField(label="Figure", required=False)
    team = forms.ChoiceField(label="Team", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["show"].choices = [("", "Tenants"), *FIGURE_NAMES.items()]
        self.fields["team"].choices = [
            ("", "All teams"),
            *((str(team.pk), team.name) for team in teams_in_scope(user)),
            (NO_TEAM, "No team (no patch)"),
        ]

    def figure(self):
        return self.values()["show"] or "tenants"

    def team_name(self):
        return dict(self.fields["team"].choices).get(self.values()["team"], "All teams")


class DayCallsFilterForm(FilterForm):
    """Which day's calls a campaign's list shows (`day`, as 2026-12-01: a row of "Calls by
    day") and whether all of them or only those that reached the tenant (`show`). A day that
    is missing or not a date is refused: no calls, never every day's passing for it."""

    day = forms.DateField(label="Day", input_formats=["%Y-%m-%d"])
    show = forms.ChoiceField(
        label="Calls", required=False, choices=[("", "Calls"), ("reached", "Reached")]
    )

    def reached_only(self):
        return self.values()["show"] == "reached"


class QueueFilterForm(FilterForm):
    """Which of the campaign's "Today's queue" figures a list shows (`show`, blank: the calls
    in today's queue)."""

    show = forms.ChoiceField(
        label="Figure", required=False, choices=[("", QUEUE_NAMES["queued"]), *QUEUE_NAMES.items()]
    )

    def figure(self):
        return self.values()["show"] or "queued"
