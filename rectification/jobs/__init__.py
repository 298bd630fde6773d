"""Scheduled jobs (docs/design.md §5): reminders, warnings, the monthly report chase, the monthly
dispatch report and notification delivery.

Each job is a plain function taking the business date `on` (default accounts.clock.today()),
so tests, `manage.py run_job` and the Celery tasks in rectification/tasks.py all call the same
code. Jobs act as the system, not as a user: they read whole tables set-based
(`values_list(...).iterator()`, grouped bulk updates) and write through rows whose unique
keys make every repeat a no-op:

| job          | idempotency key                                               |
|--------------|---------------------------------------------------------------|
| reminders    | Notification.unique_key  reminder kind : task : day : user : channel |
| warnings     | Warning (task, reason, day) for auto rows; SupervisionNotice.auto_key letter:task:YYYY-MM |
| report chase | Notification.unique_key  report_chase : task : period : user : channel |
| dispatch     | DispatchReport (region, month); notification key dispatch : report |
| delivery     | conditional UPDATE claim on (id, status=PENDING, due)          |

On top of the keys, each run of the four scheduled jobs is claimed and recorded per business
period (runs.py, JobRun), and a catch-up runs those whose due time passed without a completed
run: a lost beat tick, a killed worker or a server that was down loses no run.
"""
