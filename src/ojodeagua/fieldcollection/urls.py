"""Every path of field collection: the OpenRosa server under /odk/<key>/, and its pages."""

from django.urls import path

from . import openrosa, views

odk_patterns = (
    [
        path("<str:key>/formList", openrosa.form_list, name="form_list"),
        path("<str:key>/forms/<slug:form_id>", openrosa.form, name="form"),
        path("<str:key>/forms/<slug:form_id>/manifest", openrosa.manifest, name="manifest"),
        path("<str:key>/forms/<slug:form_id>/media/<str:name>", openrosa.media, name="media"),
        path("<str:key>/submission", openrosa.submission, name="submission"),
    ],
    "odk",
)

app_name = "fieldcollection"
urlpatterns = [
    path("", views.home, name="home"),
    path("formularios/<slug:form_id>.xlsx", views.form_xlsx, name="form_xlsx"),
    path("formularios/propios/subir/", views.own_form_upload, name="own_form_upload"),
    path("formularios/propios/<int:pk>.xlsx", views.own_form_xlsx, name="own_form_xlsx"),
    path(
        "formularios/propios/<int:pk>/retirar/",
        views.own_form_withdraw,
        name="own_form_withdraw",
    ),
    path("telefonos/nuevo/", views.phone_new, name="phone_new"),
    path("envios/", views.submission_list, name="submission_list"),
    path("envios/<int:pk>/", views.submission_detail, name="submission_detail"),
    path(
        "envios/registro/<str:record_id>/",
        views.submission_for_record,
        name="submission_for_record",
    ),
    path(
        "envios/<int:pk>/archivos/<int:attachment_pk>/",
        views.attachment,
        name="attachment",
    ),
]
