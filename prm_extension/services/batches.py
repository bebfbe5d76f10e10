"""Background work in batches: each batch one unit committed with progress, each record a unit of
its own inside it. Used by the scheduled jobs (``prm_extension.jobs``) and the tier evaluation.

* a batch is one unit: if it stops half-way (the worker dies, the database fails), what it wrote
  is undone together with the work it queued for after the commit (status e-mails), and the next
  run does the batch again;
* a record that fails on its own (a rule refuses it) is undone alone and left as it was for the
  next run, and logged once: a run that fails on it again adds no second Error Log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager

import frappe
from frappe.utils import CallbackManager


@contextmanager
def atomic():
	"""Run a block as one unit inside the job's transaction. If it raises, what it wrote is undone
	(a savepoint), and so is what it queued for after the commit: background jobs (the deals'
	status e-mails) and realtime messages, which Frappe's rollback to a savepoint keeps and which
	would announce a change that never happened. The exception goes on to the caller."""
	outer, outer_log = frappe.db.after_commit, getattr(frappe.local, "_realtime_log", None)
	frappe.db.after_commit = inner = CallbackManager()
	frappe.local._realtime_log = unit_log = []  # publish_realtime(after_commit=True) appends here
	point = f"prm_{frappe.generate_hash(length=10)}"
	frappe.db.savepoint(point)
	try:
		yield
	except BaseException:
		frappe.db.rollback(save_point=point)
		raise
	else:
		frappe.db.release_savepoint(point)
		outer.add(inner.run)  # the unit's callbacks run at the commit, in their order
	finally:
		frappe.db.after_commit = outer
		if outer_log is not None:
			frappe.local._realtime_log = outer_log
		elif hasattr(frappe.local, "_realtime_log"):
			del frappe.local._realtime_log
	for event, message, room in unit_log:  # kept: handed on to the enclosing transaction
		frappe.publish_realtime(event, message, room=room, after_commit=True)


def log_once(title: str, doctype: str, name: str) -> None:
	"""Log the current exception for a record the job could not process, unless that record has
	an Error Log with this title already (reruns retry it every day)."""
	if not frappe.db.exists(
		"Error Log", {"method": title, "reference_doctype": doctype, "reference_name": name}
	):
		frappe.log_error(title=title, reference_doctype=doctype, reference_name=name)


def each_record(
	items: Iterable, process: Callable, doctype: str, title: str, key: Callable = lambda item: item
) -> int:
	"""``process(item)`` for each item as a unit of its own (see ``atomic``): one that raises is
	undone, logged once and left for the next run. Returns how many were processed (``process``
	answers whether it did anything)."""
	done = 0
	for item in items:
		try:
			with atomic():
				done += bool(process(item))
		except Exception:
			log_once(title, doctype, key(item))
	return done


def end_batch(done: int, total: int, title: str) -> None:
	if not frappe.flags.in_test:
		frappe.db.commit()
	frappe.publish_progress(done * 100 / max(total, 1), title=title, description=f"{done}/{total}")
