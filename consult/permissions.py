"""Who on the staff may see which case. This one module decides for the case list, the
case page, attachments, exports and the dashboard: a counselor sees the cases of the
tracks whose teams they belong to (and any case assigned to them); managers see all."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from .models import Case

MANAGE_PERMISSION = "consult.view_all_cases"


def is_manager(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm(MANAGE_PERMISSION))


def managers() -> QuerySet:
    """The users is_manager() is true for, as one query: active staff holding the permission
    through their account or a group, and superusers."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    app_label, codename = MANAGE_PERMISSION.split(".")
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    condition = Q(is_superuser=True)
    if permission is not None:
        condition |= Q(user_permissions=permission) | Q(groups__permissions=permission)
    return (
        get_user_model()
        .objects.filter(condition, is_active=True, is_staff=True)
        .distinct()
        .order_by("pk")
    )


def is_desk_user(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Staff who may open the desk at all: managers, and counselors in at least one team."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return is_manager(user) or user.consult_memberships.exists()


def team_tracks(user: AbstractBaseUser) -> list[str]:
    return list(user.consult_memberships.values_list("team__track", flat=True))


def cases_visible_to(user: AbstractBaseUser | AnonymousUser, queryset: QuerySet | None = None):
    """The cases this user may see, as a filter on `queryset` (all cases by default)."""
    queryset = Case.objects.all() if queryset is None else queryset
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return queryset.none()
    if is_manager(user):
        return queryset
    return queryset.filter(Q(track__in=team_tracks(user)) | Q(assignee=user))


def can_see_case(user: AbstractBaseUser | AnonymousUser, case: Case) -> bool:
    return cases_visible_to(user, Case.objects.filter(pk=case.pk)).exists()


def mails_visible_to(user: AbstractBaseUser | AnonymousUser, queryset: QuerySet) -> QuerySet:
    """The outbox's mails this user may see (settings.OUTBOX_VISIBLE_TO): managers all of
    them, a counselor those about the cases cases_visible_to() gives them, nobody else any.
    A mail about no case (a test mail, a session reminder to the staff) is the managers'."""
    from django.contrib.contenttypes.models import ContentType

    if not (user.is_authenticated and user.is_active and user.is_staff):
        return queryset.none()
    if is_manager(user):
        return queryset
    return queryset.filter(
        related_type=ContentType.objects.get_for_model(Case),
        related_id__in=cases_visible_to(user).values("pk"),
    )
