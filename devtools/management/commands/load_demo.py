"""manage.py load_demo: the demo city 示范市 as it stood on 2020-02-15."""

from django.core.management.base import BaseCommand

from accounts import clock
from devtools.demo import DEMO_PASSWORD, SNAPSHOT_DATE, load_demo
from devtools.demo.data import DEMO_MFA_USERS, DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "载入示范市演示数据（2020-02-15 快照）；已载入时不做任何修改"

    def handle(self, *args, **options):
        result = load_demo()
        if not result.created:
            self.stdout.write("示范数据已存在，未做任何修改。")
            self._second_factor()
            return
        counts = result.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"已载入示范市演示数据：{counts['rounds']} 个督察轮次、{counts['tasks']} 个整改任务、"
                f"{counts['users']} 个账号、{counts['events']} 条操作记录。"
            )
        )
        self.stdout.write(
            f"演示账号统一密码：{DEMO_PASSWORD}（如 office、leader、admin、dongcheng）"
        )
        self._second_factor()
        if clock.today() != SNAPSHOT_DATE:
            self.stdout.write(
                self.style.WARNING(
                    f"提示：演示数据是 {SNAPSHOT_DATE} 的快照，请以 TRACKER_TODAY={SNAPSHOT_DATE} "
                    "运行，否则时限和序时进度会按今天计算。"
                )
            )

    def _second_factor(self) -> None:
        self.stdout.write(
            f"{'、'.join(DEMO_MFA_USERS)} 登录时还须输入两步验证码：把密钥 {DEMO_TOTP_SECRET} "
            "加入手机身份验证器，或另开终端运行 .venv/bin/python manage.py totp_code office 查看当前验证码。"
        )
