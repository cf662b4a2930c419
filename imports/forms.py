from django import forms
from django.conf import settings


class UploadForm(forms.Form):
    file = forms.FileField(
        error_messages={"required": "Select a CSV file", "empty": "The selected file is empty"},
    )

    def __init__(self, *args, file_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = f"Upload a {file_label}"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The selected file must be a CSV")
        if upload.size > settings.IMPORT_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                f"The selected file must be smaller than {settings.IMPORT_MAX_MB} MB"
            )
        return upload
