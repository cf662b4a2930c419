from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Patch, Team, User


class PatchInline(admin.TabularInline):
    model = Patch
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    inlines = [PatchInline]
    search_fields = ["name"]


@admin.register(Patch)
class PatchAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "team"]
    list_filter = ["team"]
    search_fields = ["code", "name"]


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "team", "is_active"]
    list_filter = ["role", "team", "is_active"]
    fieldsets = UserAdmin.fieldsets + (("Role", {"fields": ("role", "team")}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("Role", {"fields": ("role", "team")}),)
