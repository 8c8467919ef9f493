"""Volunteers for coordinators: requests, shifts, today's coverage and no-shows, check-in code.

One module per section, each with its texts: `centre_page` (`home`, `h` a centre's page, `c`
another centre), `requests` (`rq`, `r`, `ok`, `no`), `shifts` (`l`, `s`, `x`, `xx`),
`new_shift` (`n`, `nt`, the steps `cv.day` … `cv.preview`, `nk`, `np`), `today` (`t`, `ns`)
and `checkin` (`code`, `sc`, the step `cv.code`); the flow and what they share in `base`.
Importing the package registers every route.

Payloads carry ids only, typed by the handlers' parameters and written by `Action.link`. Every
route names who may use it, checked by the router before the handler runs: a route about a
centre, request, shift or sign-up is for who may coordinate that centre (bound to it, or an
admin), found from the thing itself (`coordinator_of("shift_id", via=shift_centre)`), and a
step or button of a new shift from its draft's centre, never from the person's Settings centre.
So an old or forged button from someone who is not, or no longer, a coordinator bound to that
centre is refused.
"""

from handlers.flows.coordinate_volunteers import (
    centre_page,
    checkin,
    new_shift,
    requests,
    shifts,
    today,
)
from handlers.flows.coordinate_volunteers.base import flow

__all__ = ["centre_page", "checkin", "flow", "new_shift", "requests", "shifts", "today"]
