"""Payment Entry hooks: incentive claims paid through a Purchase Invoice or Journal Entry follow
the ledger (``services.payouts``)."""

from prm_extension.services import payouts


def on_submit(doc, method=None):
	payouts.on_payment(doc)


def on_cancel(doc, method=None):
	payouts.on_payment(doc)
