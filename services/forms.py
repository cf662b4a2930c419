from datetime import datetime, timedelta

from crispy_forms_gds.layout import ConditionalRadios, Field, Layout, Size
from django import forms
from django.utils import timezone

from config.forms import DateField, FollowUpsMixin, GDSFormMixin, RevealedQuestion, parse_time

from .models import Status

NOW, LATER = "now", "later"
MESSAGE_MAX = 1000
# A typo in the year should not schedule a change for 2220.
LATEST_SCHEDULE = timedelta(days=366)


class StatusChangeForm(FollowUpsMixin, GDSFormMixin, forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the service’s status"},
    )
    message = forms.CharField(
        label="Message for tenants and the public",
        help_text=(
            "In plain English: what this means for tenants, and what they can do instead. "
            "Do not include anyone’s name or personal details: this is shown to everyone."
        ),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea,
        error_messages={
            "required": "Enter a message for tenants",
            "max_length": f"The message must be {MESSAGE_MAX} characters or fewer",
        },
    )
    when = forms.ChoiceField(
        label="When should this change take effect?",
        choices=[(NOW, "Now"), (LATER, "At a later date and time")],
        widget=forms.RadioSelect,
        initial=NOW,
        error_messages={"required": "Select when the change takes effect"},
    )
    date = DateField(
        label="Date",
        help_text="Only for a later date. For example, 27 4 2027",
        required=False,
        require_all_fields=False,
    )
    time = forms.CharField(
        label="Time",
        help_text="Use the 24-hour clock, for example 09:00 or 17:30",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-5"}),
    )

    def __init__(self, *args, current=None, **kwargs):
        self.current = current
        if current is not None:
            kwargs.setdefault("initial", {}).update(
                {"status": current.status, "message": current.message}
            )
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field.radios("status", legend_size=Size.MEDIUM),
            Field.textarea("message", label_size=Size.MEDIUM, rows=5, max_characters=MESSAGE_MAX),
            ConditionalRadios(
                "when",
                RevealedQuestion("Now"),
                RevealedQuestion("At a later date and time", "date", "time"),
            ),
        )

    follow_up_field = "when"
    follow_ups = {LATER: ["date", "time"]}

    def clean(self):
        cleaned = self.clean_follow_ups(super().clean())
        cleaned["effective_at"] = None
        if cleaned.get("when") == LATER:
            cleaned["effective_at"] = self._clean_effective_at(cleaned)
        elif cleaned.get("when") == NOW and self._unchanged(cleaned):
            self.add_error(
                "status", "The service already has this status and message. Change one of them"
            )
        if self._new_status_old_message(cleaned):
            # The old message describes the old status: tenants would read a contradiction.
            self.add_error(
                "message", "Change the message to say what the new status means for tenants"
            )
        return cleaned

    def _new_status_old_message(self, cleaned):
        return (
            self.current is not None
            and cleaned.get("status")
            and cleaned.get("status") != self.current.status
            and (cleaned.get("message") or "").strip() == self.current.message
        )

    def _clean_effective_at(self, cleaned):
        day, at = cleaned.get("date"), None
        if day is None and "date" not in self.errors:
            self._add_date_error("Enter the date the change takes effect")
        text = (cleaned.get("time") or "").strip()
        if not text:
            self.add_error("time", "Enter the time the change takes effect")
        else:
            at = parse_time(text)
            if at is None:
                self.add_error("time", "Enter a real time, for example 09:00 or 17:30")
        if day is None or at is None:
            return None
        effective_at = timezone.make_aware(datetime.combine(day, at))
        now = timezone.now()
        if effective_at <= now:
            if day < timezone.localdate(now):
                self._add_date_error("The date must be today or in the future")
            else:
                self.add_error("time", "The time must be in the future")
        elif effective_at > now + LATEST_SCHEDULE:
            self._add_date_error("The date must be within the next year")
        return effective_at

    def _add_date_error(self, message):
        # Tie the error to the day input, so the error summary links to a field that takes focus.
        self.fields["date"].fields[0].widget.errors = [message]
        self.add_error("date", message)

    def _unchanged(self, cleaned):
        return (
            self.current is not None
            and cleaned.get("status") == self.current.status
            and (cleaned.get("message") or "").strip() == self.current.message
        )
