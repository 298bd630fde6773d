"""Fill the working-day calendar from the installed chinesecalendar package."""

from django.core.management.base import BaseCommand

from inspections import workdays


class Command(BaseCommand):
    help = "从 chinesecalendar 补录节假日和调休安排（已有的日期、管理员的修改保持不变）"

    def handle(self, *args, **options):
        added = workdays.seed_from_package()
        years = sorted(workdays.covered_years())
        span = f"{years[0]}–{years[-1]}" if years else "无"
        self.stdout.write(f"新增 {added} 天；日历覆盖年份：{span}")
