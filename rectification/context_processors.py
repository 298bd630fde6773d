"""Template context shared by every page: the navigation's unread-notification badge and its
queue badges (the workbench's counts)."""

from django.http import HttpRequest

from rectification import workbench
from rectification.choices import NotificationChannel
from rectification.models import Notification


def nav(request: HttpRequest) -> dict:
    """Unread in-app notifications and the queue counts of the signed-in user, counted lazily.

    Both are callables so a page that never renders the header (a file download, a partial
    htmx response) costs no query; a page that does costs one for the unread badge and, for a
    user with queues (unit head, office), one for all the queue badges: the workbench's counts
    (rectification.workbench.counts_for_request), shared with the workbench page itself.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_unread": 0, "nav_counts": {}}

    def unread() -> int:
        cached = getattr(request, "_nav_unread", None)
        if cached is None:
            cached = Notification.objects.filter(
                recipient_id=user.pk, read_at__isnull=True, channel=NotificationChannel.INAPP
            ).count()
            request._nav_unread = cached
        return cached

    def counts() -> dict[str, int]:
        found = workbench.counts_for_request(request)
        return {
            **found,
            "review_queue": found.get("review", 0) + found.get("expired", 0),
            "more": found.get("extensions", 0)
            + found.get("proposals", 0)
            + found.get("petitions", 0),
        }

    return {"nav_unread": unread, "nav_counts": counts}
