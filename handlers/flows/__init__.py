"""One module per journey; `ALL` lists the flows the conversation routes to."""

from handlers.flows import (
    advise,
    advisers,
    announce,
    centres,
    common,
    coordinate,
    coordinate_volunteers,
    legal,
    link,
    menu,
    reminders,
    settings,
    start,
    volunteer,
    workshops,
)
from handlers.router import Flow

ALL: tuple[Flow, ...] = (
    common.flow,
    start.flow,
    start.onboarding,
    menu.flow,
    centres.flow,
    settings.flow,
    reminders.flow,
    workshops.flow,
    coordinate.flow,
    legal.flow,
    advise.flow,
    advisers.flow,
    volunteer.flow,
    coordinate_volunteers.flow,
    announce.flow,
    link.flow,
)
