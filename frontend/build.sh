#!/usr/bin/env bash
# Rebuild the vendored front end from the npm packages pinned in package.json.
# Run by hand when upgrading GOV.UK Frontend or changing app.scss; the output under
# ../static/ and ../tests/journeys/vendor/ is committed, so nothing here runs at deploy time.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --ignore-scripts
gf=node_modules/govuk-frontend/dist/govuk
mkdir -p ../static/css ../static/govuk ../tests/journeys/vendor
npx sass --load-path=node_modules --style=compressed --no-source-map --quiet-deps \
  app.scss ../static/css/app.css
# The footer's Crown copyright crest is government branding we must not use.
sed -i 's#url("/static/govuk/assets/images/govuk-crest.svg")#none#g' ../static/css/app.css
# Every url() left must point at a file we ship, or collectstatic's manifest fails in production.
if grep -o 'url("/static/govuk/assets[^"]*")' ../static/css/app.css; then
  echo "app.css refers to GOV.UK assets that are not vendored" >&2
  exit 1
fi
cp "$gf/govuk-frontend.min.js" ../static/govuk/govuk-frontend.min.js
cp node_modules/axe-core/axe.min.js ../tests/journeys/vendor/axe.min.js
echo "built static/css/app.css ($(wc -c < ../static/css/app.css) bytes), govuk-frontend.min.js, axe.min.js"
