"""Warranty calls for the partner portal: find one's customers, register a sold serial number, file
a Warranty Claim. The rules and the partner scope are in ``services.warranty``."""

from __future__ import annotations

import frappe

from prm_extension.services import warranty as service


@frappe.whitelist(methods=["GET"])
def search_customers(text: str | None = None) -> list[dict]:
	"""The caller's customers matching ``text`` (name or ID), for the warranty form."""
	return service.search_customers(text)


@frappe.whitelist(methods=["POST"])
def register_serial(serial_no: str, customer: str, sale_date: str | None = None) -> dict:
	"""Register a serial number the calling partner sold to one of its customers."""
	return service.register_serial(serial_no, customer, sale_date)


@frappe.whitelist(methods=["POST"])
def file_claim(serial_no: str, complaint: str) -> dict:
	"""File a Warranty Claim for a serial number the calling partner registered."""
	return service.file_claim(serial_no, complaint)
