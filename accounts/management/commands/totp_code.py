"""Print the current two-factor code of an account (the demo only).

    python manage.py totp_code USERNAME

For trying the demo without an authenticator app: the demo's office and administrator
accounts must give a code after their password (README 演示账号). Refused unless DEBUG is
on: in production a code comes from the user's phone and nowhere else.
"""

import time
from binascii import unhexlify

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from accounts import mfa
from accounts.models import User


def current_code(device, at: float | None = None) -> str:
    """The device's 6-digit code at `at` (default now), as an authenticator app shows it."""
    totp = TOTP(unhexlify(device.key), device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


class Command(BaseCommand):
    help = "显示账号当前的两步验证码（仅 DEBUG 模式，供试用演示数据）"

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if not settings.DEBUG:
            raise CommandError("仅在 DEBUG 模式下可用：生产环境的验证码只能来自用户本人的手机。")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在。")
        device = mfa.totp_device(user)
        if device is None:
            raise CommandError(f"用户 {username} 未启用两步验证。")
        left = device.step - int(time.time()) % device.step
        self.stdout.write(current_code(device))
        self.stderr.write(f"（{left} 秒内有效；每个验证码只能使用一次）")
