from django.urls import path

from accounts.replicas import replica_read
from rectification.views import (
    batch,
    closeouts,
    dashboard,
    dispatch,
    jobs,
    milestones,
    notifications,
    office,
    petitions,
    rounds,
    saved_filters,
    search,
    supervision,
    tasks,
    withdraw,
    workbench,
)

# replica_read: pages whose GET may read from a read replica (a few seconds' lag is fine:
# lists, dashboards, exports, the 月调度 pages, the public pages); accounts/replicas.py.
urlpatterns = [
    # 工作台: every role's landing page (accounts.views.home sends them here).
    path("workbench/", workbench.workbench_page, name="workbench"),
    # Leaders and the office: the dashboard, the monthly dispatch report; the public notice page.
    path("dashboard/", replica_read(dashboard.dashboard), name="dashboard"),
    path("dispatch/", replica_read(dispatch.dispatch_list), name="dispatch_list"),
    path("dispatch/<int:pk>/", replica_read(dispatch.dispatch_detail), name="dispatch_detail"),
    path("jobs/", jobs.job_status, name="job_status"),
    path("public/", replica_read(dashboard.public_notices), name="public_notices"),
    path("public/photos/<int:pk>/<slug:size>.jpg", dashboard.public_photo, name="public_photo"),
    path("public/objection/<int:notice_id>/", dashboard.public_objection, name="public_objection"),
    path("public/petitions/", replica_read(petitions.petitions_public), name="petitions_public"),
    # Tasks: 我的任务 / 任务台账 and the task page with its forms.
    path("tasks/", replica_read(tasks.task_list), name="task_list"),
    path("tasks/export.csv", replica_read(tasks.task_export), name="task_export"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
    path("tasks/<int:pk>/report/", tasks.task_report, name="task_report"),
    path("tasks/<int:pk>/extension/", tasks.task_extension, name="task_extension"),
    path("tasks/<int:pk>/recheck/", tasks.task_recheck, name="task_recheck"),
    path("tasks/<int:pk>/closeout/", tasks.task_closeout, name="task_closeout"),
    path("tasks/<int:pk>/evidence/", tasks.task_evidence, name="task_evidence"),
    path("tasks/<int:pk>/milestones/", milestones.task_milestones, name="task_milestones"),
    path("milestones/<int:pk>/complete/", tasks.milestone_complete, name="milestone_complete"),
    path("tasks/<int:pk>/lookback/", closeouts.task_lookback, name="task_lookback"),
    path("tasks/<int:pk>/units/", office.task_units, name="task_units"),
    path("attachments/<int:pk>/download/", tasks.attachment_download, name="attachment_download"),
    # Close-out review.
    path("self-check/", closeouts.selfcheck_queue, name="selfcheck_queue"),
    path("self-check/batch/", batch.selfcheck_batch, name="selfcheck_batch"),
    path("closeouts/<int:pk>/self-check/", closeouts.selfcheck_decide, name="selfcheck_decide"),
    path("review/", closeouts.review_queue, name="review_queue"),
    path("closeouts/<int:pk>/accept/", closeouts.closeout_accept, name="closeout_accept"),
    path("closeouts/<int:pk>/return/", closeouts.closeout_return, name="closeout_return"),
    path("closeouts/<int:pk>/close/", closeouts.closeout_close, name="closeout_close"),
    path("closeouts/<int:pk>/review/", closeouts.closeout_review, name="closeout_review"),
    path("closeouts/<int:pk>/objection/", closeouts.closeout_objection, name="closeout_objection"),
    path(
        "closeouts/<int:pk>/sector-review/",
        closeouts.closeout_sector_review,
        name="closeout_sector_review",
    ),
    # Office.
    path("extensions/", office.extension_queue, name="extension_queue"),
    path("extensions/batch/", batch.extension_batch, name="extension_batch"),
    path("extensions/<int:pk>/decide/", office.extension_decide, name="extension_decide"),
    path(
        "tasks/<int:pk>/extension/overdue/",
        office.task_extension_overdue,
        name="task_extension_overdue",
    ),
    path("reports/<int:pk>/review/", office.report_review, name="report_review"),
    path("warnings/", office.warning_list, name="warning_list"),
    path("warnings/batch-remind/", batch.warning_batch_remind, name="warning_batch_remind"),
    path("supervision/", office.supervision_list, name="supervision_list"),
    path("supervision/new/", office.supervision_create, name="supervision_create"),
    path("supervision/<int:pk>/issue/", supervision.supervision_issue, name="supervision_issue"),
    path("supervision/<int:pk>/close/", supervision.supervision_close, name="supervision_close"),
    path(
        "supervision/<int:pk>/dismiss/", supervision.supervision_dismiss, name="supervision_dismiss"
    ),
    path("tasks/<int:pk>/warnings/", supervision.task_warnings, name="task_warnings"),
    path("warnings/<int:pk>/clear/", supervision.warning_clear, name="warning_clear"),
    # Units: the notices addressed to them, and their replies.
    path("supervision/inbox/", supervision.supervision_inbox, name="supervision_inbox"),
    path("supervision/<int:pk>/reply/", supervision.supervision_reply, name="supervision_reply"),
    path("rounds/", replica_read(rounds.round_list), name="round_list"),
    path("rounds/<int:pk>/", rounds.round_detail, name="round_detail"),
    path("problems/<int:pk>/", rounds.problem_detail, name="problem_detail"),
    path("problems/<int:pk>/tasks/new/", office.problem_task_create, name="problem_task_create"),
    path("petitions/", replica_read(petitions.petition_list), name="petition_list"),
    path(
        "petitions/figures/", replica_read(petitions.petition_figures_page), name="petition_figures"
    ),
    path("petitions/<int:pk>/", petitions.petition_detail, name="petition_detail"),
    path(
        "petitions/attachments/<int:pk>/",
        petitions.petition_attachment_download,
        name="petition_attachment",
    ),
    path("petitions/<int:pk>/<slug:verb>/", petitions.petition_move, name="petition_move"),
    # The office and the administrator: 撤销（作废） and 恢复 of official records, 已撤销.
    path("withdrawn/", withdraw.withdrawn_list, name="withdrawn_list"),
    path("withdraw/<slug:kind>/<int:pk>/", withdraw.withdraw_record, name="withdraw_record"),
    path("restore/<slug:kind>/<int:pk>/", withdraw.restore_record, name="restore_record"),
    # Everyone: the header's search, the task list's saved filters, notifications.
    path("search/", replica_read(search.search_page), name="search"),
    path("tasks/filters/", saved_filters.saved_filter_create, name="saved_filter_create"),
    path(
        "tasks/filters/<int:pk>/delete/",
        saved_filters.saved_filter_delete,
        name="saved_filter_delete",
    ),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/<int:pk>/read/", notifications.notification_read, name="notification_read"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="notification_open"),
    path(
        "notifications/read-all/", notifications.notification_read_all, name="notification_read_all"
    ),
]
