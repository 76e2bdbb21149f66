"""List, search, export, detail and edit pages for a registry model, scoped to the user."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from ojodeagua.audit.trail import save_form_audited
from ojodeagua.lib.tabular import csv_response
from ojodeagua.organisations.scope import get_editable_or_404, get_visible_or_404, scope_for

from .saving import save_in_area

PAGE_SIZE = 50


class SearchFilterSet(django_filters.FilterSet):
    """Every list has a free-text box ``q``; the model's queryset decides what it matches."""

    q = django_filters.CharFilter(method="search_text", label="")

    def search_text(self, queryset, name: str, value: str):
        return queryset.search(value)


@dataclass
class ExportColumn:
    header: str
    value: Callable[[Any], Any]


@dataclass
class EntityPages:
    """The pages of one registry model. Apps declare one and include ``urls()``."""

    model: type[models.Model]
    slug: str
    filterset: type[django_filters.FilterSet]
    form: type | None
    export_columns: Sequence[ExportColumn]
    select_related: Sequence[str] = ()
    formsets: Sequence[type] = ()
    detail_context: Callable[[HttpRequest, Any], dict[str, Any]] | None = None
    # Figures the list shows above its results, read from the records as filtered (its
    # ``<slug>_results.html`` shows them, so they follow the filters).
    list_context: Callable[[HttpRequest, Any], dict[str, Any]] | None = None
    url_prefix: str = ""
    # New providers and localities belong to a municipality, so only people who cover a
    # whole municipality may add them; others add records under what they already cover.
    create_needs_municipality: bool = False
    template_dir: str = ""
    # When new records need fields that are fixed afterwards (a locality's INEGI key).
    create_form: type | None = None
    # Adds the aggregates the export columns read, so the export runs a single query.
    export_annotations: dict[str, Any] = field(default_factory=dict)

    @property
    def verbose_name(self) -> str:
        # Templates cannot read ``model._meta``: this names the record in headings.
        return str(self.model._meta.verbose_name)

    @property
    def verbose_name_plural(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    @property
    def namespace(self) -> str:
        return self.template_dir

    def url_name(self, view: str) -> str:
        return f"{self.namespace}:{self.slug}_{view}"

    @property
    def row_template(self) -> str:
        return f"{self.template_dir}/{self.slug}_row.html"

    def template(self, name: str) -> list[str]:
        return [f"{self.template_dir}/{self.slug}_{name}.html", f"pages/{name}.html"]

    def scoped_queryset(self, request: HttpRequest):
        queryset = self.model._default_manager.select_related(*self.select_related)
        return scope_for(request.user).visible(queryset)

    def filtered(self, request: HttpRequest):
        return self.filterset(request.GET, queryset=self.scoped_queryset(request), request=request)

    def can_create(self, request: HttpRequest) -> bool:
        scope = scope_for(request.user)
        if self.form is None or not scope.can_create:
            return False
        return (
            scope.everything
            or not self.create_needs_municipality
            or bool(scope.create.municipality_ids)
        )

    # Views -----------------------------------------------------------------------------------
    def list_view(self, request: HttpRequest) -> HttpResponse:
        filterset = self.filtered(request)
        page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "pages": self,
            "filter": filterset,
            "page_obj": page,
            "query": query.urlencode(),
            "can_create": self.can_create(request),
            "list_url": reverse(self.url_name("list")),
            "export_url": reverse(self.url_name("export")),
            "create_url": reverse(self.url_name("create")),
            "results_template": self.template("results"),
        }
        if self.list_context:
            context.update(self.list_context(request, filterset.qs))
        if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
            return render(request, self.template("results"), context)
        return render(request, self.template("list"), context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        queryset = self.filtered(request).qs.annotate(**self.export_annotations)
        rows = (
            [column.value(obj) for column in self.export_columns]
            for obj in queryset.iterator(chunk_size=2000)
        )
        header = [column.header for column in self.export_columns]
        return csv_response(f"{self.slug}.csv", header, rows)

    def detail_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_visible_or_404(request.user, self.model, pk)
        context = {
            "pages": self,
            "object": obj,
            "can_edit": self.form is not None and scope_for(request.user).can_edit(obj),
        }
        if self.detail_context:
            context.update(self.detail_context(request, obj))
        return render(request, self.template("detail"), context)

    def edit_view(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        scope = scope_for(request.user)
        if self.form is None:
            raise PermissionDenied
        if pk is None:
            if not self.can_create(request):
                raise PermissionDenied
            instance = self.model()
        else:
            instance = get_editable_or_404(request.user, self.model, pk)
        data = request.POST if request.method == "POST" else None
        form_class = self.create_form if pk is None and self.create_form else self.form
        form = form_class(data, instance=instance, scope=scope)
        formsets = [
            formset_class(
                data,
                instance=instance,
                prefix=formset_class.model._meta.model_name,
                form_kwargs={"scope": scope},
            )
            for formset_class in self.formsets
        ]
        if data is not None and form.is_valid() and all(f.is_valid() for f in formsets):
            saved = save_in_area(
                request.user, lambda: save_form_audited(request.user, form, formsets)
            )
            messages.success(request, _("Se guardaron los cambios."))
            return redirect(saved.get_absolute_url())
        context = {
            "pages": self,
            "object": instance,
            "form": form,
            "formsets": formsets,
            "formsets_have_errors": any(f.total_error_count() for f in formsets if f.is_bound),
            "list_url": reverse(self.url_name("list")),
        }
        return render(request, self.template("edit"), context, status=400 if data else 200)

    def urls(self) -> list:
        prefix = self.url_prefix
        login = login_required
        return [
            path(f"{prefix}", login(self.list_view), name=f"{self.slug}_list"),
            path(f"{prefix}exportar.csv", login(self.export_view), name=f"{self.slug}_export"),
            path(f"{prefix}nuevo/", login(self.edit_view), name=f"{self.slug}_create"),
            path(f"{prefix}<int:pk>/", login(self.detail_view), name=f"{self.slug}_detail"),
            path(f"{prefix}<int:pk>/editar/", login(self.edit_view), name=f"{self.slug}_edit"),
        ]
