"""The managers' "Privacy requests" page in the desk: a citizen asks for a copy of what the
center holds on their address, or for its erasure (PIPA art. 35 and 36).

Managers only (consult.view_all_cases): a request covers every case of the address,
whatever team it is in. The page's GET shows the form and changes nothing. Its POST either
answers with the file (the export is recorded in each case's history) or, for an erasure,
shows how much will be erased and asks to confirm; only the confirmation's POST erases.
"""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import access, permissions, privacy, workflow
from .admin_forms import PrivacyRequestForm
from .models import AccessAction


def _page(request, model_admin, template: str, context: dict, status: int = 200):
    opts = model_admin.opts
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "app_label": opts.app_label,
        "has_view_permission": True,
        **context,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, template, context, status=status)


def _form_page(request, model_admin, form, *, nothing_held: str = "", status: int = 200):
    return _page(
        request,
        model_admin,
        "admin/consult/case/privacy.html",
        {"title": _("Privacy requests"), "form": form, "nothing_held": nothing_held},
        status=status,
    )


def _confirm_page(request, model_admin, email: str, held: privacy.Held, status: int = 200):
    form = PrivacyRequestForm(
        initial={
            "email": email,
            "kind": PrivacyRequestForm.ERASE,
            "confirmed_cases": held.cases,
        }
    )
    return _page(
        request,
        model_admin,
        "admin/consult/case/privacy_confirm.html",
        {"title": _("Erase this citizen's data?"), "form": form, "email": email, "held": held},
        status=status,
    )


def _export_response(data: dict) -> HttpResponse:
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body.encode(), content_type="application/json; charset=utf-8")
    # The file name says nothing about whose data it is: it stays in download histories.
    filename = f"privacy-export-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def privacy_requests(request, *, model_admin):
    if not permissions.is_manager(request.user):
        raise PermissionDenied
    if request.method != "POST":
        return _form_page(request, model_admin, PrivacyRequestForm())
    form = PrivacyRequestForm(request.POST)
    if not form.is_valid():
        return _form_page(request, model_admin, form, status=400)
    email = privacy.email_normalise(form.cleaned_data["email"])
    nothing = _("Nothing is held on %(email)s: no case and no inquiry awaiting intake.") % {
        "email": email
    }

    if form.cleaned_data["kind"] == PrivacyRequestForm.EXPORT:
        data = privacy.citizen_data_export(email=email, actor=request.user)
        if data is None:
            return _form_page(request, model_admin, form, nothing_held=nothing)
        # Recorded before the file leaves: if the record cannot be written, neither is it.
        access.access_record(
            request=request,
            action=AccessAction.CITIZEN_DATA_EXPORTED,
            references=[case["reference"] for case in data["cases"]],
            detail=f"waiting_inquiries={len(data['waiting_inquiries'])}",
        )
        return _export_response(data)

    held = privacy.citizen_data_held(email=email)
    if held.nothing:
        return _form_page(request, model_admin, form, nothing_held=nothing)
    confirmed = form.cleaned_data["confirmed_cases"]
    if confirmed is None:
        return _confirm_page(request, model_admin, email, held)
    try:
        # The record and the erasure stand or fall together; the references are read before
        # the cases are anonymised (the erasure keeps them, not the address).
        with transaction.atomic():
            references = list(
                privacy.cases_of_email(email).order_by("pk").values_list("reference", flat=True)
            )
            erased = privacy.citizen_data_erase(
                email=email, actor=request.user, expected_cases=confirmed
            )
            access.access_record(
                request=request,
                action=AccessAction.CITIZEN_DATA_ERASED,
                references=references,
                detail=f"waiting_inquiries={held.waiting}",
            )
    except privacy.CasesChanged:
        messages.warning(
            request,
            _("The cases of this address changed since you looked. Check the numbers again."),
        )
        return _confirm_page(request, model_admin, email, held, status=409)
    except workflow.WorkflowError as error:  # a case changed under us in a way we cannot end
        messages.error(request, str(error))
        return _confirm_page(request, model_admin, email, held, status=409)
    # The address stays out of the message: messages travel in a cookie.
    messages.success(
        request,
        ngettext(
            "Erased: %(count)d case, and everything held with it on that address.",
            "Erased: %(count)d cases, and everything held with them on that address.",
            erased,
        )
        % {"count": erased},
    )
    return redirect("admin:consult_case_privacy")
