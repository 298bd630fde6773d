"""Template context shared by every page: the navigation's unread-notification badge and the
print header's date."""

from django.http import HttpRequest

from accounts import clock
from rectification.choices import NotificationChannel
from rectification.models import Notification


def nav(request: HttpRequest) -> dict:
    """Unread in-app notifications of the signed-in user, counted lazily.

    The count is a callable so a page that never renders the header (a file download, a
    partial htmx response) costs no query; a page that does costs exactly one.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_unread": 0, "print_time": clock.now}

    def unread() -> int:
        cached = getattr(request, "_nav_unread", None)
        if cached is None:
            cached = Notification.objects.filter(
                recipient_id=user.pk, read_at__isnull=True, channel=NotificationChannel.INAPP
            ).count()
            request._nav_unread = cached
        return cached

    # A callable too: read by the clock only when the page renders its print header.
    return {"nav_unread": unread, "print_time": clock.now}
