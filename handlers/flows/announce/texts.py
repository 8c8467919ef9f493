"""Texts several announcement screens show: where one stands, its audience in words, its pin."""

from __future__ import annotations

from handlers.model import BroadcastStatus
from handlers.texts import N_, T

STATUS_NAMES = {
    BroadcastStatus.DRAFT: N_("draft"), BroadcastStatus.SCHEDULED: N_("scheduled"),
    BroadcastStatus.SENDING: N_("sending"), BroadcastStatus.DONE: N_("done"),
    BroadcastStatus.STOPPED: N_("stopped"), BroadcastStatus.CANCELLED: N_("cancelled"),
}  # fmt: skip
AUD_ALL = T("bc.aud_all", "Everyone")
AUD_CENTRES = T("bc.aud_centres", "People of: {centres}")
AUD_RETURNEES = T("bc.aud_returnees", "Returnees only")
AUD_LOCALS = T("bc.aud_locals", "Local residents only")
AUD_VOLUNTEERS = T("bc.aud_volunteers", "Volunteers only")
AUD_WORKSHOP = T("bc.aud_workshop", "Signed up for: {title}")
AUD_LEGAL = T("bc.aud_legal", "With an upcoming legal appointment at {centre}")
AUD_LANGUAGES = T("bc.aud_languages", "Reading: {languages}")
PIN = T("bc.pin", "the map pin of {centre}")
