"""Django admin is for superusers only: staff without superuser rights are turned away."""

from django.contrib.admin import AdminSite


def restrict_admin_to_superusers(site: AdminSite) -> None:
    def has_permission(request) -> bool:
        return request.user.is_active and request.user.is_superuser

    site.has_permission = has_permission  # type: ignore[method-assign]
    site.site_header = "Ojo de Agua"
