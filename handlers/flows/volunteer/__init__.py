"""Volunteers: offer to help, sign up for shifts, answer the day-before question, check in, hours.

Routes (`vol:<action>:<arguments>`, the arguments typed by each handler's parameters):
`home`, `join`, `jc <centre>`, `jt <task>`, `jd`, `jp <yes|no>` — the volunteer's menu and the
request form (join.py); `c`, `l <centre> <page>`, `s <shift>`, `su <shift>` — open shifts
(shifts.py); `mine`, `m <signup>`, `x <signup>`, `xx <signup>` — my shifts and cancelling
(my_shifts.py); `yes|no <signup>` — the day-before question (question.py); `now`,
`ci <signup>`, `co <signup>` — check in and out (checkin.py); `hours` (hours.py).

Anyone who agreed to the notice may use the form; everything past it needs the volunteer role
(guard `volunteer`), and a route about one sign-up needs it to be the person's own (`OWN`).
The sections link to each other (the menu to each screen, the screens back to the menu), so
they import each other as modules and look a route up only when they build a reply.
"""

from handlers.flows.volunteer import checkin, hours, join, my_shifts, question, shifts
from handlers.flows.volunteer.base import flow

__all__ = ["checkin", "flow", "hours", "join", "my_shifts", "question", "shifts"]
