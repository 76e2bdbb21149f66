"""Follow-up pages: road-map status and changes, coaching, evidence, scorecard, complaints."""

urlpatterns: list = []
