"""Public pages of the users' voice (placeholder while the pages are built)."""

from django.http import Http404


def find_locality(request):
    raise Http404


follow = locality_page = complain = locality_poster = find_locality
