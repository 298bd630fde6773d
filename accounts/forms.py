from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.choices import TokenScope


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
