"""Campaign forms: a campaign's questions on the call form, and the manager's campaign forms."""

from crispy_forms_gds.layout import Field, Fieldset, Size
from django import forms

from .campaign_models import CampaignQuestion

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
