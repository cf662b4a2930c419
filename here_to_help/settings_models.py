"""Here to Help's numbers that managers change in the app (issue 20), with their history: the
target in working days for each need, and how long a directory entry stays validated."""

from django.core.cache import cache
from django.db import models
from django.db.models import Q
from redis.exceptions import RedisError
from simple_history.models import HistoricalRecords

__all__ = ["HelpSettings"]

SETTINGS_CACHE_KEY = "here_to_help:settings:v1"


class HelpSettings(models.Model):
    """One row; until a manager saves, the defaults and the Django settings apply. Read for
    every target and every directory search, so cached and dropped from the cache on save."""

    target_working_days = models.JSONField(
        default=dict, help_text='Working days per need, e.g. {"food": 1, "benefits": 5}.'
    )
    directory_valid_days = models.PositiveSmallIntegerField(
        "days a directory entry stays validated"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "Here to Help settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="help_settings_single_row"),
            models.CheckConstraint(
                condition=Q(directory_valid_days__gte=7, directory_valid_days__lte=365),
                name="help_settings_directory_days_7_to_365",
            ),
        ]

    def __str__(self):
        return "Here to Help settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(SETTINGS_CACHE_KEY)

    @classmethod
    def saved(cls):
        """The saved values ({} until a manager saves); only these are cached."""
        # With Redis down the public help centre and Open Referral feed still answer: read the
        # row from the database.
        try:
            values = cache.get(SETTINGS_CACHE_KEY)
        except RedisError:
            values, redis_up = None, False
        else:
            redis_up = True
        if values is None:
            rows = cls.objects.filter(pk=1).values("target_working_days", "directory_valid_days")
            values = rows[0] if rows else {}
            if redis_up:
                cache.set(SETTINGS_CACHE_KEY, values, 300)
        return values
