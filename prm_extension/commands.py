"""bench commands of prm_extension."""

import click
from frappe.commands import get_site, pass_context


@click.command("prm-demo-data")
@click.option(
	"--customers", default=3000, show_default=True, help="Customers to have (corporate families included)"
)
@click.option(
	"--partners", default=20, show_default=True, help="Channel partners, each with three portal users"
)
@click.option(
	"--reservations", default=400, show_default=True, help="Reservations to create through the rules"
)
@click.option(
	"--deals",
	default=150,
	show_default=True,
	help="Deal registrations (with invoices, MDF requests, bonus claims, announcements); 0 for none",
)
@click.option("--seed", default=7, show_default=True, help="Random seed (same seed, same channel)")
@pass_context
def prm_demo_data(context, customers, partners, reservations, deals, seed):
	"""Fill a site with a realistic demo channel (about a minute)."""
	import time

	import frappe

	from prm_extension.demo.channel import make_demo

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		started = time.monotonic()
		result = make_demo(
			customers=customers, partners=partners, reservations=reservations, deals=deals, seed=seed
		)
		click.echo(
			f"{len(result['partners'])} partners, {result['customers']} customers, reservations {result['reservations']}"
			f" in {time.monotonic() - started:.0f} s"
		)
		if result.get("activity"):
			click.echo(f"activity: {result['activity']}")
	finally:
		frappe.destroy()


commands = [prm_demo_data]
