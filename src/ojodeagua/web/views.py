"""Each role's home page: a committee sees its committee, others see their area."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.utils import timezone

from ojodeagua.books.desk import desks
from ojodeagua.books.models import lives_on_sales
from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.fieldcollection import services as field_submissions
from ojodeagua.integrity import attention
from ojodeagua.organisations.models import Membership
from ojodeagua.organisations.scope import scope_for
from ojodeagua.places.models import Locality, Municipality
from ojodeagua.providers.models import Provider
from ojodeagua.watersystems.models import ServedLocality, WaterSystem

Role = Membership.Role


def committee_home(scope, providers) -> list[Provider]:
    """The committees of a committee's member, each with its books' desk (who owes, the last
    cash count and report) when the member keeps its books; read together, not per committee."""
    committees = list(providers.prefetch_related("systems", "members"))
    kept = [p.pk for p in committees if p.pk in scope.edit.provider_ids and not lives_on_sales(p)]
    found = desks(kept, timezone.localdate())
    for committee in committees:
        committee.desk = found.get(committee.pk)
        committee.keeps_books_here = committee.pk in scope.edit.provider_ids
    return committees


@login_required
def home(request):
    scope = scope_for(request.user)
    providers = scope.visible(Provider.objects.select_related("municipality", "locality"))
    context = {"providers": providers}
    if (
        not scope.everything
        and scope.roles <= {Role.COMMITTEE_MEMBER, Role.VIEWER}
        and not (scope.view.municipality_ids)
    ):
        context["committees"] = committee_home(scope, providers)
        return render(request, "web/home_committee.html", context)

    localities = scope.visible(Locality.objects.all())
    visible_municipalities = scope.visible(Municipality.objects.all()).values("pk")
    municipalities = (
        Municipality.objects.filter(pk__in=visible_municipalities)
        .annotate(
            locality_count=Count("localities", distinct=True),
            population=Sum("localities__population"),
        )
        .order_by("key")
    )
    context.update(
        {
            "municipalities": municipalities,
            "counts": {
                "localities": localities.count(),
                "localities_without_system": localities.filter(
                    ~Q(pk__in=ServedLocality.objects.values("locality_id"))
                ).count(),
                "systems": scope.visible(WaterSystem.objects.all()).count(),
                "providers": providers.count(),
                "schools": scope.visible(School.objects.all()).count(),
                "health_centres": scope.visible(HealthCentre.objects.all()).count(),
            },
            "is_facilitator": Role.FACILITATOR in scope.roles and not scope.is_coordinator,
            # What needs attention across the area's committees (web/_home_attention.html).
            "attention": attention.grouped(attention.attention_lines(scope, timezone.localdate())),
            # Phones' submissions that could not be recorded, for whoever may correct them.
            "phone_to_fix": field_submissions.visible_submissions(request.user).to_fix().count(),
        }
    )
    return render(request, "web/home.html", context)
