"""The shape of a UK postcode, written once: the outward code (district: PR1, FY8, M1, SW1A)
and the inward code (2AB). Stored postcodes are normalised by localflavor's GBPostcodeField."""

import re

OUTWARD = r"[A-Z]{1,2}\d[A-Z\d]?"
INWARD = r"\d[A-Z]{2}"

# An outward code alone, as directory entries list the districts they cover.
OUTWARD_CODE = re.compile(rf"^{OUTWARD}$")
# A full postcode (space optional) or an outward code alone, as staff search.
POSTCODE_OR_OUTWARD = re.compile(rf"^{OUTWARD}(\s*{INWARD})?$")
