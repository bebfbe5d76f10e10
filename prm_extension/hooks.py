app_name = "prm_extension"
app_title = "PRM"
app_publisher = "prm_extension contributors"
app_description = "Partner Relationship Management for ERPNext"
app_email = "dev@prm-extension.invalid"
app_license = "MIT"
app_home = "/app/prm"

required_apps = ["erpnext"]

export_python_type_annotations = True

# Roles, custom fields (customer hierarchy, identity keys, house flag) ship as fixtures and are
# re-imported on every migrate.
fixtures = [
	{"dt": "Role", "filters": [["name", "in", ["PRM Manager", "Partner Admin", "Partner User"]]]},
	{"dt": "Custom Field", "filters": [["module", "=", "PRM"]]},
	{
		"dt": "Workflow State",
		"filters": [
			[
				"name",
				"in",
				["Draft", "Submitted", "Returned", "Rejected", "Approved", "Won", "Lost", "Expired"],
			]
		],
	},
	{
		"dt": "Workflow Action Master",
		"filters": [
			["name", "in", ["Submit", "Resubmit", "Approve", "Reject", "Return", "Mark Won", "Mark Lost"]]
		],
	},
	{"dt": "Workflow", "filters": [["name", "=", "Deal Registration Approval"]]},
]

# Desk: shared filters of the channel reports, live refresh of the PRM workspace and reports.
app_include_js = ["/assets/prm_extension/js/prm_desk.js"]

after_install = "prm_extension.setup.install.after_install"
after_migrate = "prm_extension.setup.install.after_migrate"
before_tests = "prm_extension.tests.bootstrap.before_tests"

# Partner safety (prm_extension/security/, docs/security.md): once Frappe knows the request's user
# (session or API key), the gate closes the generic surface partners have no business in.
auth_hooks = [
	"prm_extension.security.gate.guard",
	# document values sent over REST to the app's DocTypes, checked before Frappe builds the document
	"prm_extension.security.payload.check_request",
]
# ... and a partner's REST create / update answers without the fields it may not read
after_request = ["prm_extension.security.gate.hide_fields"]

doc_events = {
	# the app's documents: values checked against their columns before validate (security/payload.py)
	"*": {
		"before_validate": "prm_extension.security.payload.before_validate",
		"before_save": "prm_extension.security.payload.before_save",
		"before_submit": "prm_extension.security.payload.before_save",
		"before_update_after_submit": "prm_extension.security.payload.before_save",
	},
	"Customer": {
		"validate": "prm_extension.overrides.customer.validate",
		"on_update": "prm_extension.overrides.customer.on_update",
	},
	# the trees the rules read (their cached bounds)
	"Territory": {
		"on_change": "prm_extension.overrides.trees.on_change",
		"on_trash": "prm_extension.overrides.trees.on_change",
		"after_rename": "prm_extension.overrides.trees.after_rename",
	},
	"Item Group": {
		"on_change": "prm_extension.overrides.trees.on_change",
		"on_trash": "prm_extension.overrides.trees.on_change",
		"after_rename": "prm_extension.overrides.trees.after_rename",
	},
	"Customer Group": {
		"on_change": "prm_extension.overrides.trees.on_change",
		"on_trash": "prm_extension.overrides.trees.on_change",
		"after_rename": "prm_extension.overrides.trees.after_rename",
	},
	"Lead": {"validate": "prm_extension.overrides.identity_keys.set_lead_keys"},
	"Prospect": {"validate": "prm_extension.overrides.identity_keys.set_prospect_keys"},
	# Registered deals: attribute the partner on sales documents, and close deals on invoices.
	"Quotation": {
		"validate": "prm_extension.overrides.sales_documents.attribute_partner",
		"on_submit": "prm_extension.overrides.sales_documents.link_to_deal",
	},
	"Sales Order": {
		"validate": "prm_extension.overrides.sales_documents.attribute_partner",
		"on_submit": "prm_extension.overrides.sales_documents.link_to_deal",
	},
	"Sales Invoice": {
		"validate": "prm_extension.overrides.sales_documents.attribute_partner",
		"on_submit": "prm_extension.overrides.sales_documents.on_submit_invoice",
		"on_cancel": "prm_extension.overrides.sales_documents.on_cancel_invoice",
	},
	# Incentive claims follow the ledger: paid when their payout document is paid.
	"Payment Entry": {
		"on_submit": "prm_extension.overrides.payment_entry.on_submit",
		"on_cancel": "prm_extension.overrides.payment_entry.on_cancel",
	},
}

# One partner scope feeds both list conditions and document checks (prm_extension/security/permissions.py).
permission_query_conditions = {
	"Account Reservation": "prm_extension.security.permissions.account_reservation_query",
	"Channel Partner": "prm_extension.security.permissions.channel_partner_query",
	"Deal Registration": "prm_extension.security.permissions.deal_registration_query",
	"Fund Allocation": "prm_extension.security.permissions.fund_allocation_query",
	"MDF Request": "prm_extension.security.permissions.mdf_request_query",
	"Incentive Claim": "prm_extension.security.permissions.incentive_claim_query",
	"Incentive Program": "prm_extension.security.permissions.incentive_program_query",
	"Serial No": "prm_extension.security.permissions.serial_no_query",
	"Warranty Claim": "prm_extension.security.permissions.warranty_claim_query",
	"Partner Announcement": "prm_extension.security.permissions.partner_announcement_query",
	"Partner Tier Review": "prm_extension.security.permissions.partner_tier_review_query",
	"Sell-Through Report": "prm_extension.security.permissions.sell_through_report_query",
	"Sell-Through Line": "prm_extension.security.permissions.sell_through_line_query",
}
has_permission = {
	# a partner's File record never just points at another partner's private file (security/files.py)
	"File": "prm_extension.security.files.has_permission",
	"Account Reservation": "prm_extension.security.permissions.account_reservation_has_permission",
	"Channel Partner": "prm_extension.security.permissions.channel_partner_has_permission",
	"Deal Registration": "prm_extension.security.permissions.deal_registration_has_permission",
	"Fund Allocation": "prm_extension.security.permissions.fund_allocation_has_permission",
	"MDF Request": "prm_extension.security.permissions.mdf_request_has_permission",
	"Incentive Claim": "prm_extension.security.permissions.incentive_claim_has_permission",
	"Incentive Program": "prm_extension.security.permissions.incentive_program_has_permission",
	"Serial No": "prm_extension.security.permissions.serial_no_has_permission",
	"Warranty Claim": "prm_extension.security.permissions.warranty_claim_has_permission",
	"Partner Announcement": "prm_extension.security.permissions.partner_announcement_has_permission",
	"Partner Tier Review": "prm_extension.security.permissions.partner_tier_review_has_permission",
	"Sell-Through Report": "prm_extension.security.permissions.sell_through_report_has_permission",
	"Sell-Through Line": "prm_extension.security.permissions.sell_through_line_has_permission",
}

scheduler_events = {
	"daily": ["prm_extension.jobs.schedule_reservation_expiry", "prm_extension.jobs.schedule_deal_expiry"],
	"monthly": ["prm_extension.jobs.schedule_tier_evaluation"],
}

# Partner portal (website users with the Partner Admin / Partner User roles)
# Every partner member has the Partner User role (admins also Partner Admin): one menu item per page.
standard_portal_menu_items = [
	{
		"title": "Partner Home",
		"route": "/partner",
		"reference_doctype": "Channel Partner",
		"role": "Partner User",
	},
	{
		"title": "Partner Accounts",
		"route": "/partner/accounts",
		"reference_doctype": "Account Reservation",
		"role": "Partner User",
	},
	{
		"title": "Partner Deals",
		"route": "/partner/deals",
		"reference_doctype": "Deal Registration",
		"role": "Partner User",
	},
	{
		"title": "Partner Incentives",
		"route": "/partner/incentives",
		"reference_doctype": "Incentive Claim",
		"role": "Partner User",
	},
	{
		"title": "Partner Warranty",
		"route": "/partner/warranty",
		"reference_doctype": "Warranty Claim",
		"role": "Partner User",
	},
	{
		"title": "Partner News",
		"route": "/partner/news",
		"reference_doctype": "Partner Announcement",
		"role": "Partner User",
	},
	{
		"title": "Partner Team",
		"route": "/partner/team",
		"reference_doctype": "Channel Partner",
		"role": "Partner User",
	},
]
website_route_rules = [
	{"from_route": "/partner/deals/<name>", "to_route": "partner/deal"},
	{"from_route": "/partner/incentives/<name>", "to_route": "partner/incentive"},
	{"from_route": "/partner/news/<name>", "to_route": "partner/news"},
	{"from_route": "/partner/products/<item>", "to_route": "partner/products"},
]
# the app's www pages render without the desk's app-switcher boot data (see portal/renderer.py)
page_renderer = ["prm_extension.portal.renderer.PortalPage"]
# Frappe's path resolution with the website route map compiled once per worker, not per request
# (see portal/routes.py; the app's own routes only)
website_path_resolver = ["prm_extension.portal.routes.resolve_path"]
role_home_page = {"Partner Admin": "partner", "Partner User": "partner"}

# compiled Jinja templates kept per web worker (see portal/templating.py; the app's own pages only): the portal's pages render in
# well under half the time; the per-request environment and its data stay as Frappe makes them
before_request = ["prm_extension.portal.templating.keep_compiled_templates"]

# the partner portal's base template writes the translations of its scripts into the page
jinja = {"methods": ["prm_extension.portal.templating.prm_script_messages"]}
