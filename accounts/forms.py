"""Password forms: Django's, with the rule that a new password differs from the one it replaces."""

from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth.forms import SetPasswordForm

from accounts import services


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
