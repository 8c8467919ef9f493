"""Volunteers for coordinators: requests, shifts, today's coverage and no-shows, check-in code.

Payloads carry ids only: `cv:home`, `cv:h:<centre>` (a centre's page), `cv:c` (another centre);
`cv:rq:<centre>`, `cv:r:<request>`, `cv:ok|no:<request>` (requests); `cv:l:<centre>:<page>`,
`cv:s:<shift>`, `cv:x|xx:<shift>` (shifts, calling one off); `cv:n:<centre>`,
`cv:nt:<centre>:<task>`, `cv:nk` (no note), `cv:np` (publish) with the typed steps `cv.day`,
`cv.time`, `cv.places`, `cv.note` and `cv.preview` (a new shift); `cv:t:<centre>`,
`cv:ns:<signup>` (today, no-shows); `cv:code:<centre>`, `cv:sc:<centre>` with the step `cv.code`
(the daily check-in code). Every handler checks on the server that the person may coordinate the
centre of what it touches (`lookup.coordinator_of`, from the request's, shift's or draft's own
centre, never their Settings centre), so an old or forged button from someone who is not, or no
longer, a coordinator bound to that centre (or an admin) is refused.

One module per section: `centre_page`, `requests`, `shifts`, `new_shift`, `today`, `checkin`;
the flow itself and what they share in `base`. Importing the package registers every route.
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
