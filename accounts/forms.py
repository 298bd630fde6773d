"""Account forms: password change and reset (Django's, with the rule that a new password differs
from the one it replaces), and a new API token."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.choices import TokenScope


class PasswordChangeForm(DjangoPasswordChangeForm):
    """修改密码: the current password, then the new one twice (checked against the policy)."""

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password1")
        if new and new == cleaned.get("old_password"):
            self.add_error("new_password1", "新密码不能与当前密码相同。")
        return cleaned

    def save(self, commit: bool = True):
        services.change_password(user=self.user, new_password=self.cleaned_data["new_password1"])
        return self.user


class ResetLinkSetPasswordForm(SetPasswordForm):
    """The page the reset mail links to: a new password, which clears the forced change."""

    def save(self, commit: bool = True):
        services.change_password(
            user=self.user,
            new_password=self.cleaned_data["new_password1"],
            note="通过重置邮件设置",
        )
        return self.user


class ApiTokenForm(forms.Form):
    """A new API token (/me/tokens/): the checks themselves are accounts.tokens'."""

    name = forms.CharField(
        label=_("名称（用途）"),
        max_length=100,
        help_text=_("如“区数据中台对接”，便于日后识别与吊销"),
    )
    scope = forms.ChoiceField(
        label=_("权限"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
        help_text=_("只读令牌只能查询；读写令牌可按您的角色报送、审核"),
    )
    days = forms.IntegerField(label=_("有效期（天）"), min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the longest validity is the service's rule (accounts.tokens); shown here as a hint
        self.fields["days"].initial = settings.API_TOKEN_DAYS
        self.fields["days"].help_text = f"1 至 {settings.API_TOKEN_MAX_DAYS} 天"


class MfaCodeForm(forms.Form):
    """The second factor: the 6 digits of the authenticator app, or a recovery code."""

    code = forms.CharField(
        label="验证码",
        max_length=32,
        error_messages={"required": "请输入验证码。"},
        strip=True,
    )
