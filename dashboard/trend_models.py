"""A daily record of "up to date %" per cohort and team (issue 20), for the 90-day trend.

Each refresh writes the day's rows again from its snapshot, so the last refresh of a day is the
one kept; summary tables of counts only, never a tenant."""

from django.db import models

from accounts.models import Team

__all__ = ["UpToDateDay"]


class UpToDateDay(models.Model):
    day = models.DateField()
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    cohort = models.CharField(max_length=30)
    tenants = models.PositiveIntegerField(default=0)
    up_to_date = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day", "cohort"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "team", "cohort"],
                nulls_distinct=False,
                name="one_up_to_date_figure_per_day_team_cohort",
            )
        ]
        indexes = [models.Index(fields=["day", "cohort"], name="uptodate_day_cohort_idx")]

    def __str__(self):
        return f"{self.day} {self.cohort} team {self.team_id}: {self.up_to_date}/{self.tenants}"
