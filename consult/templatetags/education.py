"""The course texts in the visitor's language (a course has a Korean and an English title)."""

from django import template
from django.utils.translation import get_language

from consult.models import Course

register = template.Library()


@register.filter
def course_title(course: Course) -> str:
    """{{ session.course|course_title }}: the English title on English pages when there is
    one, the Korean title otherwise."""
    return course.title(get_language() or "ko")


@register.filter
def course_summary(course: Course) -> str:
    return course.summary(get_language() or "ko")
