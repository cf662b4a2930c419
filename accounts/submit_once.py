"""Forms that must not be saved twice: a double click, a refresh or Back and send again.

The page puts a fresh key in the form (`{% form_key %}`, in `includes/form.html`); a view
wrapped in `submit_once` records the key before it saves, under a unique constraint. The same
key again waits for the first submission to finish, then is sent where the first one went,
with a message; nothing is saved twice. A submission refused for errors leaves its key free,
so the corrected form can be sent.
"""

import functools
import uuid

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseRedirect

from .models import FormSubmission

ALREADY_SAVED = "That form was already sent: it was saved once."


def submit_once(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            key = uuid.UUID(request.POST.get("form_key", ""))
        except ValueError:
            key = None
        if request.method != "POST" or key is None:
            return view(request, *args, **kwargs)
        with transaction.atomic():
            # INSERT ... ON CONFLICT DO NOTHING waits while another request holding the same
            # key is still saving, then the row lock orders the two: the second sees the first's
            # outcome.
            FormSubmission.objects.bulk_create(
                [FormSubmission(key=key, user=request.user)], ignore_conflicts=True
            )
            submission = FormSubmission.objects.select_for_update().get(key=key)
            if submission.user_id != request.user.pk:
                return view(request, *args, **kwargs)
            if submission.redirect_to:
                messages.info(request, ALREADY_SAVED)
                return HttpResponseRedirect(submission.redirect_to)
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponseRedirect):
                submission.redirect_to = response.url
                submission.save(update_fields=["redirect_to"])
            return response

    return wrapper
