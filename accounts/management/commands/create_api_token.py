"""Create an API token for an account (a system account that calls the API).

    python manage.py create_api_token USERNAME [--name NAME] [--days N] [--read-write] [--rotate]

The key is printed once on stdout (only its hash is stored); other systems send it as
`Authorization: Token <key>`. Read-only unless --read-write; valid for API_TOKEN_DAYS days
(90) unless --days. --rotate revokes the account's other tokens first. The account's role and
unit decide what the token may see and do, exactly as for a person. Owners list and revoke
their tokens on /me/tokens/; administrators in the admin site.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts import tokens
from accounts.choices import TokenScope
from accounts.errors import ServiceError
from accounts.models import User


class Command(BaseCommand):
    help = "为账号创建 API 令牌（密钥只显示一次；--rotate 先吊销该账号的其他令牌）"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="命令行创建", help="令牌名称（用途）")
        parser.add_argument("--days", type=int, default=None, help="有效天数（默认 90）")
        parser.add_argument(
            "--read-write", action="store_true", help="读写令牌（默认只读，不能修改数据）"
        )
        parser.add_argument("--rotate", action="store_true", help="先吊销该账号的其他令牌")

    def handle(self, *args, username: str, name: str, days, read_write: bool, rotate: bool, **o):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在：{username}")
        if not user.is_active:
            raise CommandError(f"用户已停用：{username}")
        # The command is the operator's: it acts as the account itself.
        if rotate:
            revoked = tokens.api_token_revoke_all(user=user, actor=user)
            self.stderr.write(f"已吊销 {username} 的 {revoked} 个令牌")
        scope = TokenScope.WRITE if read_write else TokenScope.READ
        try:
            issued = tokens.api_token_create(
                user=user, actor=user, name=name, scope=scope, days=days
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        token = issued.token
        self.stderr.write(
            f"已为 {username} 生成{token.get_scope_display()} API 令牌“{token.name}”，"
            f"有效期至 {token.expires_at:%Y-%m-%d}（密钥只显示这一次）"
        )
        self.stdout.write(issued.key)
