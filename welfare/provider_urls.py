from django.urls import path

from . import provider_views as views

app_name = "providers"

urlpatterns = [
    path("", views.providers, name="list"),
    path("providers.csv", views.providers_csv, name="csv"),
    path("<int:pk>/", views.provider, name="detail"),
    path("<int:pk>/check-in/", views.check_in, name="check_in"),
    path("<int:pk>/contacts/", views.add_contact, name="add_contact"),
    path("<int:pk>/team/", views.set_oversight, name="set_oversight"),
]
