"""The password policy's length rule, with its message in Chinese.

Django's own MinimumLengthValidator message has no Simplified Chinese translation in
Django 5.2 (its plural form changed); the other three validators' messages do."""

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLength


class MinimumLengthValidator(DjangoMinimumLength):
    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"
