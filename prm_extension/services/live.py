"""Live dashboards: every change to deals, reservations, claims and partner sales publishes one
realtime event to the site room (desk users only; portal users never join it), after the commit.
Open PRM workspaces and reports refresh on it (``public/js/prm_desk.js``). Only the DocType is
sent: no names, no figures. The partner's cached portal home figures are dropped at the same time."""

from __future__ import annotations

import frappe

from prm_extension.services.home import forget_home_figures

EVENT = "prm_channel_update"


def publish(doctype: str) -> None:
	frappe.publish_realtime(EVENT, {"doctype": doctype}, after_commit=True)


def on_change(doc) -> None:
	"""A deal, reservation, allocation, MDF request or claim changed (its controller's ``on_change``)."""
	publish(doc.doctype)
	forget_home_figures(doc.get("channel_partner"))
