"""The dashboard's own filters (GET): the team its figures are for, and the trend's cohort. A
value that is not one of the choices is `refused`: its error and no figures, never every team's
(or the first cohort's) figures passing for the ones asked for."""

from django import forms

from config.forms import FilterForm

from . import tables


class TeamForm(FilterForm):
    """All teams, one team or no team. No team chosen is all teams."""

    team = forms.ChoiceField(required=False, label="Team")

    def __init__(self, *args, teams, **kwargs):
        # Ids without "id_": the error summary links to the page's selects.
        super().__init__(*args, auto_id="%s", **kwargs)
        self.fields["team"].choices = [
            (tables.ALL_TEAMS.value, tables.ALL_TEAMS.label),
            *((str(team.pk), team.name) for team in teams),
            (tables.NO_TEAM.value, tables.NO_TEAM.label),
        ]


class TrendForm(TeamForm):
    """The trend's team and cohort. No cohort chosen charts the first."""

    cohort = forms.ChoiceField(required=False, label="Cohort in the chart")

    def __init__(self, *args, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].choices = [(c["code"], c["name"]) for c in cohorts]


class WorkloadForm(FilterForm):
    """The officers' workload: the period (30 days when none is chosen) and one team or all."""

    days = forms.ChoiceField(required=False, label="Period")
    team = forms.ChoiceField(required=False, label="Team")

    def __init__(self, *args, teams, periods, **kwargs):
        super().__init__(*args, auto_id="%s", **kwargs)
        self.fields["days"].choices = [("", "Last 30 days")] + [
            (key, f"Last {days} days") for key, days in periods.items()
        ]
        self.fields["team"].choices = [
            (tables.ALL_TEAMS.value, tables.ALL_TEAMS.label),
            *((str(team.pk), team.name) for team in teams),
        ]
