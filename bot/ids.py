"""Block Kit action IDs and modal callback IDs: the names a button or form is built with and
the name its listener waits for, in one place so the two cannot drift apart.

Modal callback IDs double as the form names use cases ask for (``OpenModal("kpi_add")``).
"""

from __future__ import annotations

# Buttons in messages and on the Home tab.
LOG_OPEN = "log_open"  # open the Log value form for a KPI
V2MOM_EDIT_OPEN = "v2mom_edit"  # open the V2MOM form
CHOOSE_KPI_PREFIX = "choose_kpi_"  # one of several matching KPIs: choose_kpi_0, choose_kpi_1, ...
ACTION_DONE = "action_done"  # mark an action item done
REVIEW_COMMENT_OPEN = "review_comment_open"
REVIEW_DECISION_OPEN = "review_decision_open"
REVIEW_ACTION_OPEN = "review_action_open"
REMINDER_LOG = "reminder_log"
REMINDER_SKIP = "reminder_skip"
REMINDER_SNOOZE_LATER = "reminder_snooze_later"
REMINDER_SNOOZE_TOMORROW = "reminder_snooze_tomorrow"

# Modals (callback IDs).
KPI_ADD = "kpi_add"
KPI_EDIT = "kpi_edit"
GOAL_ADD = "goal_add"
LOG_VALUE = "log_value"
V2MOM_EDIT = "v2mom_edit"
REVIEW_COMMENT = "review_comment"
REVIEW_DECISION = "review_decision"
REVIEW_ACTION = "review_action"
REMINDER_SKIP_FORM = "reminder_skip"
SOURCE_USE_PULLED = "source_use_pulled"  # a pulled number offered as a correction: use it
SOURCE_KEEP_MINE = "source_keep_mine"  # ...or keep the value the person logged
SOURCE_CONFIRM = "source_confirm"  # a pulled value in the reminder DM: Confirm
SOURCE_ADD_WHY = "source_add_why"  # ...or Add why (the log form, prefilled)
