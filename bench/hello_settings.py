"""Settings for bench/status_load.py: the production settings, plus a hello-world URL and static
files collected into a directory of the benchmark's own. Never used outside the benchmark."""

import os

from config.settings import *  # noqa: F403
from config.settings import STORAGES

ROOT_URLCONF = "bench.hello_urls"
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
# Compressed but not hashed: the manifest storage refuses to collect while static/css/app.css
# refers to govuk/assets/images/govuk-crest.svg, which is not vendored (reported, not ours).
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
