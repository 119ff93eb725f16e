"""The counselors' desk (to be filled in: list, case page, actions, dashboard)."""

from django.contrib import admin

from .models import Case


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["reference", "status", "track", "assignee", "created_at"]
