"""Labels for the codes the desk stores (events and mails keep codes, never labels)."""

from django import template

from consult.models import Priority, Stage, Status, Topic, Track

register = template.Library()

_CHOICES = {
    "status": Status,
    "track": Track,
    "priority": Priority,
    "stage": Stage,
    "topic": Topic,
}


@register.filter
def case_label(code: str, kind: str) -> str:
    """{{ event.new_value|case_label:"status" }}: the label of a stored code, in the
    active language; an unknown code is shown as it is."""
    choices = _CHOICES.get(kind)
    if choices is None or code not in choices.values:
        return code
    return str(choices(code).label)
