"""Labels for the codes the desk stores (events and mails keep codes, never labels)."""

from crispy_forms.utils import render_crispy_form
from django import template
from django.middleware.csrf import get_token
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from consult.models import Priority, Stage, Status, Topic, Track
from consult.privacy import PrivacyRequest

register = template.Library()

_CHOICES = {
    "status": Status,
    "track": Track,
    "priority": Priority,
    "stage": Stage,
    "topic": Topic,
    "privacy": PrivacyRequest,
}


@register.filter
def case_label(code: str, kind: str) -> str:
    """{{ event.new_value|case_label:"status" }}: the label of a stored code, in the
    active language; an unknown code is shown as it is."""
    choices = _CHOICES.get(kind)
    if choices is None or code not in choices.values:
        return code
    return str(choices(code).label)


# Rendering the inquiry form through crispy-forms costs about 30 ms, four times the rest of
# the page. A blank form's HTML is the same for every visitor but for the CSRF token and,
# on the tracking page, the form's action (it holds the private token): it is rendered once
# per process, language and key with placeholders for those two, which are put in after.
_CSRF_PLACEHOLDER = "csrf-placeholder-7f3a9c"
_ACTION_PLACEHOLDER = "/action-placeholder-7f3a9c/"
_BLANK_FORMS: dict[tuple, str] = {}
_BLANK_FORMS_MAX = 128


@register.simple_tag(takes_context=True)
def crispy_blank(context, form, *key) -> str:
    """{% crispy_blank form notice.version %}: what {% crispy form %} renders. A form that
    is not bound is served from a per-process copy keyed by its class, the language and
    `key` (everything else the form's HTML depends on); a bound form is rendered each time,
    since its values and errors are the visitor's own."""
    if form.is_bound:
        return render_crispy_form(form, context=context.flatten())
    action = form.helper.form_action
    cache_key = (type(form).__qualname__, get_language(), *key)
    html = _BLANK_FORMS.get(cache_key)
    if html is None:
        form.helper.form_action = _ACTION_PLACEHOLDER if action else ""
        try:
            html = render_crispy_form(
                form, context={**context.flatten(), "csrf_token": _CSRF_PLACEHOLDER}
            )
        finally:
            form.helper.form_action = action
        if len(_BLANK_FORMS) >= _BLANK_FORMS_MAX:
            _BLANK_FORMS.clear()
        _BLANK_FORMS[cache_key] = html
    if _CSRF_PLACEHOLDER in html:  # forms whose helper disables CSRF have none
        html = html.replace(_CSRF_PLACEHOLDER, escape(get_token(context["request"])))
    html = html.replace(_ACTION_PLACEHOLDER, escape(action))
    return mark_safe(html)  # noqa: S308  (crispy's own output; the two values are escaped)
