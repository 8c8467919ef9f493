"""Announcements for coordinators and admins: write, choose the audience, preview, send, report.

Routes, by module (payloads `bc:<action>:<args>`, built by each route's `link`):
- home: `home`, `l:<page>` (the list; admins see everyone's: the audit trail);
- writing: `new` (state `bc.text`), `d:<id>` (a draft), `lg:<id>` and `tl:<id>:<lang>` (a text
  in another language, state `bc.tr`), `df:<id>` and `dl:<id>:<lang>` (the default language);
- audience: `a:<id>` (the audience), `t:<id>:<choice>:<value>` (switch one choice), `aw:<id>`
  and `aj:<id>` (pick a workshop, a centre with legal appointments);
- attachment: `at:<id>`, `ph:<id>` (state `bc.photo`) and `pin:<id>:<centre or 0>`;
- sending: `p:<id>` (preview), `go:<id>` (send now), `w:<id>` (state `bc.when`);
- report: `r:<id>` (the report), `s:<id>` and `ss:<id>` (delete a draft, cancel a scheduled
  one, stop sending).

Who may, checked by the router before a handler runs: the flow is for coordinators and admins;
a route naming an announcement (or a step adding to one) only for its writer or an admin, and
only while its audience names centres they are bound to; a pin only of a centre they
coordinate. Every audience change, and every sending, is limited again by `within`: a
coordinator reaches only the people of the centres they are bound to (never by their own
Settings centre), whatever a payload says; an audience of everyone is for admins and
programme-wide coordinators.
"""

# Each submodule declares its routes on `flow` when imported.
from handlers.flows.announce import attachment, audience, home, report, sending, writing
from handlers.flows.announce.base import flow

__all__ = ["attachment", "audience", "flow", "home", "report", "sending", "writing"]
