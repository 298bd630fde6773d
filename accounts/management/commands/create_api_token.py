"""Create (or show, or rotate) the API token of a system account.

    python manage.py create_api_token USERNAME [--rotate]

The token is printed once on stdout; other systems send it as `Authorization: Token <key>`.
The account's role and unit decide what the token may see and do, exactly as for a person.
"""

from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from accounts.models import User


class Command(BaseCommand):
    help = "为系统账号创建 API 令牌（已有则显示；--rotate 重新生成）"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--rotate", action="store_true", help="作废旧令牌并生成新令牌")

    def handle(self, *args, username: str, rotate: bool, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在：{username}")
        if not user.is_active:
            raise CommandError(f"用户已停用：{username}")
        if rotate:
            Token.objects.filter(user=user).delete()
        token, created = Token.objects.get_or_create(user=user)
        if created:
            self.stderr.write(f"已为 {username} 生成 API 令牌")
        self.stdout.write(token.key)
