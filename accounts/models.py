from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower


class Team(models.Model):
    """A team of officers; it works the tenants of its patches."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Patch(models.Model):
    """A housing patch: the homes one team looks after."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="patches")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "patches"

    def __str__(self):
        return f"{self.code} {self.name}"


class StaffManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)


class User(AbstractUser):
    class Role(models.TextChoices):
        OFFICER = "officer", "Officer"
        INCOME_OFFICER = "income_officer", "Income officer"
        MANAGER = "manager", "Manager"

    role = models.CharField(max_length=20, choices=Role, default=Role.OFFICER)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )

    objects = StaffManager()

    class Meta:
        ordering = ["username"]
        constraints = [
            # Officers and income officers work one team's patches; managers see everything.
            models.CheckConstraint(
                condition=models.Q(role="manager") | models.Q(team__isnull=False),
                name="staff_outside_management_have_a_team",
            ),
            models.UniqueConstraint(Lower("username"), name="username_unique_ignoring_case"),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="email_unique_ignoring_case",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_manager(self):
        return self.role == self.Role.MANAGER

    @property
    def is_income_officer(self):
        return self.role == self.Role.INCOME_OFFICER

    @property
    def is_officer(self):
        return self.role == self.Role.OFFICER

    @property
    def sees_arrears_amounts(self):
        return self.role in (self.Role.INCOME_OFFICER, self.Role.MANAGER)

    def requires_two_factor(self):
        """Managers and admin accounts must use two-factor; so must anyone who has set it up."""
        from django_otp import user_has_device

        if self.is_manager or self.is_staff or self.is_superuser:
            return True
        # Read with the user for the request (accounts.backends.UsernameOrEmailBackend.get_user).
        has_device = getattr(self, "_has_confirmed_device", None)
        if has_device is None:
            has_device = user_has_device(self, confirmed=True)
        return has_device


class FormSubmission(models.Model):
    """A form that was sent (its key, from the page that showed it): a double click or a
    resubmission is recognised and answered with where the first one went, never saved twice
    (`accounts.submit_once`)."""

    key = models.UUIDField(unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    redirect_to = models.CharField(max_length=500, blank=True)

    def __str__(self):
        return f"Form {self.key} by {self.user_id}"
