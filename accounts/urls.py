from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import oidc, views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # OpenID Connect (accounts/oidc.py): 404 unless configured.
    path(
        "oidc/authenticate/",
        oidc.AuthenticationRequestView.as_view(),
        name="oidc_authentication_init",
    ),
    path("oidc/callback/", oidc.CallbackView.as_view(), name="oidc_authentication_callback"),
    path("me/", views.profile, name="profile"),
    path("me/password/", views.password_change, name="password_change"),
    path("accounts/", views.account_list, name="account_list"),
    path(
        "accounts/<int:pk>/reset-password/",
        views.account_reset_password,
        name="account_reset_password",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.ResetLinkConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("me/tokens/", views.api_tokens, name="api_tokens"),
    path("me/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("", views.home, name="home"),
]
