"""The workshop pages: cycle, participants, compliance, ratings, top three, road map."""

urlpatterns: list = []
