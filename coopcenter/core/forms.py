"""Form fields shared by the site's public forms."""

import re

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# Line breaks of every kind (CR, LF, NEL, the Unicode line and paragraph separators) and
# every other control character, tab and NUL included: none belongs in a one-line value, and
# a line break in a value that reaches a mail header or a CSV row could start a new one.
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

single_line_validator = RegexValidator(
    _NOT_ONE_LINE,
    _("Write this on one line, without line breaks or control characters."),
    code="line_break",
    inverse_match=True,
)


class SingleLineCharField(forms.CharField):
    """A CharField for one-line values (names, references, phone numbers): refuses line
    breaks and control characters with a message, rather than storing them. Leading and
    trailing whitespace is still stripped first, as every CharField does."""

    default_validators = [single_line_validator]
