from django.core.checks import Error, register
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from .templates import MAIL_TEMPLATES, languages, template_paths


@register()
def mail_templates_exist(app_configs=None, **kwargs):
    """A mail whose template is missing must fail at start-up, not in a worker at 3 a.m."""
    errors = []
    for name in sorted(MAIL_TEMPLATES):
        for language in languages():
            for path in template_paths(name, language).values():
                try:
                    get_template(path)
                except TemplateDoesNotExist:
                    errors.append(
                        Error(f"Mail template {path} is missing.", id="outbox.E001", obj=name)
                    )
    return errors
