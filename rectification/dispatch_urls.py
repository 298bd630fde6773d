from django.urls import path

from rectification import dispatch_views

urlpatterns = [
    path("dispatch/", dispatch_views.dispatch_list, name="dispatch_list"),
    path("dispatch/<int:pk>/", dispatch_views.dispatch_detail, name="dispatch_detail"),
    path("dispatch/<int:pk>/xlsx/", dispatch_views.dispatch_xlsx, name="dispatch_xlsx"),
]
