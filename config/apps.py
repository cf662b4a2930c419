from django.contrib.admin.apps import AdminConfig


class ManagerAdminConfig(AdminConfig):
    default_site = "config.admin.ManagerAdminSite"
