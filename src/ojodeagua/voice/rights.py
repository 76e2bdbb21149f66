"""Rights and criteria in plain words: short public pages, each naming its source."""

urlpatterns: list = []
