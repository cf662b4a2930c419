"""A URL conf for tests/test_kept_post.py: one view that declares a form with a password."""

from django import forms
from django.http import HttpResponse
from django.urls import path

from accounts.kept_labels import labelled_by


class PinForm(forms.Form):
    pin = forms.CharField(label="Your PIN", widget=forms.PasswordInput)
    colour = forms.ChoiceField(label="Favourite colour", choices=[("r", "Red"), ("b", "Blue")])


@labelled_by(PinForm)
def pin_view(request):
    return HttpResponse()


urlpatterns = [path("pin/", pin_view)]
