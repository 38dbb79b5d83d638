from django.urls import path

from . import views

app_name = "clinicians"

urlpatterns = [
    path("clinicians/apply/", views.apply, name="apply"),
    path("clinicians/review/", views.review_list, name="review_list"),
    path("clinicians/review/<int:pk>/", views.review, name="review"),
]
