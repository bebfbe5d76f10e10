// Filters shared by the PRM channel reports (period, company, partner, tier, territory, product line).
frappe.provide("prm");
prm.channel_filters = function (extra = []) {
	return [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -12),
			reqd: 1,
		},
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today(), reqd: 1 },
		{ fieldname: "partner", label: __("Channel Partner"), fieldtype: "Link", options: "Channel Partner" },
		{ fieldname: "tier", label: __("Tier"), fieldtype: "Link", options: "Partner Tier" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "product_line", label: __("Product Line"), fieldtype: "Link", options: "Item Group" },
		...extra,
	];
};

// Charts that redraw at the wrong moment. frappe-charts animates an update by taking its drawing
// out of its container for ~250 ms; a resize in that window (the workspace's cards and charts
// refreshing around it, as the live refresh below does) makes draw() remove a node that is not
// there ("removeChild … not a child of this node"). And Frappe's chart widget draws a fresh chart
// into a new wrapper on "Refresh", leaving the old chart's resize observer behind.
// frappe.utils.make_chart is wrapped, not replaced: a draw that falls inside an animation runs once
// the animation is over, and a chart whose wrapper has left the page stops listening
// (frappe-charts' own destroy(): observer and listeners).
(function () {
	const make_chart = frappe.utils && frappe.utils.make_chart;
	if (typeof make_chart !== "function" || make_chart.prm_guarded) return;
	const guarded = function () {
		const chart = make_chart.apply(this, arguments);
		if (chart && typeof chart.draw === "function") {
			const draw = chart.draw;
			chart.draw = function (...args) {
				if (this.parent && !this.parent.isConnected) {
					if (typeof this.destroy === "function") this.destroy();
					return;
				}
				if (this.svg && this.container && this.svg.parentNode !== this.container) {
					clearTimeout(this.prm_redraw);
					this.prm_redraw = setTimeout(() => this.draw(...args), 300);
					return;
				}
				return draw.apply(this, args);
			};
		}
		return chart;
	};
	guarded.prm_guarded = true;
	frappe.utils.make_chart = guarded;
})();

// Live channel figures: the server publishes "prm_channel_update" (site room, desk users only)
// after every committed change to deals, reservations, claims, MDF requests and partner sales.
// An open PRM workspace re-renders its cards and charts, an open PRM report re-runs (debounced).
(function () {
	const REPORTS = ["Channel Pipeline", "Partner Scorecard", "Channel Conflict Log", "Partner Activity", "Incentive ROI"];
	const QUIET_MS = 2000; // wait for a burst of changes to end
	const MIN_GAP_MS = 8000; // and re-render a workspace at most this often
	let timer = null;
	let busy = false;
	let last = 0;

	function schedule() {
		clearTimeout(timer);
		timer = setTimeout(refresh_open_views, Math.max(QUIET_MS, MIN_GAP_MS - (Date.now() - last)));
	}

	// cards and charts still fetching their data: re-rendering under them makes Frappe's widgets
	// write into nodes that are gone
	const widgets_loading = () =>
		[...document.querySelectorAll(".chart-loading-state, .number-card-loading")].some((el) => el.offsetParent !== null);

	// charts keep drawing (frappe-charts animates) after their data arrived: wait until the
	// workspace's DOM has been still for a moment before re-rendering it
	async function quiet(ws, still_ms = 1200, max_ms = 15000) {
		const root = ws.body && ws.body[0];
		if (!root || typeof MutationObserver === "undefined") return;
		let last = Date.now();
		const observer = new MutationObserver(() => (last = Date.now()));
		observer.observe(root, { childList: true, subtree: true, attributes: true });
		const until = Date.now() + max_ms;
		try {
			while (Date.now() < until && Date.now() - last < still_ms) {
				await new Promise((resolve) => setTimeout(resolve, 200));
			}
		} finally {
			observer.disconnect();
		}
	}

	async function settled(ws, ms = 15000) {
		const until = Date.now() + ms;
		if (ws.editor && ws.editor.isReady) await ws.editor.isReady;
		while (Date.now() < until && (widgets_loading() || (ws.body && ws.body.find(".workspace-skeleton").length))) {
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
	}

	async function refresh_workspace(ws) {
		// one re-render at a time, and only once the previous one (EditorJS and widgets) is done
		if (busy) return schedule();
		busy = true;
		try {
			if (ws.editor && ws.editor.isReady) await ws.editor.isReady;
			if (widgets_loading() || (ws.body && ws.body.find(".workspace-skeleton").length)) return schedule();
			await quiet(ws);
			if (widgets_loading()) return schedule();
			// each card and chart runs its own "Refresh" action (the one in its menu): the widgets
			// fetch their figures again in place. Re-rendering the whole workspace left the old
			// charts' resize observers drawing into removed nodes.
			const actions = ws.body ? ws.body.find('.widget a[data-action="action-refresh"]') : [];
			if (!actions.length) {
				ws.show();
			} else {
				actions.each((i, a) => $(a).trigger("click"));
			}
			await new Promise((resolve) => setTimeout(resolve, 500));
			await settled(ws);
		} catch (e) {
			// a refresh that could not run: the next change tries again
		} finally {
			busy = false;
			last = Date.now();
		}
	}

	function refresh_open_views() {
		const route = frappe.get_route() || [];
		const report = frappe.query_report;
		if (route[0] === "query-report" && REPORTS.includes(route[1])) {
			// only a report that has finished setting up (its filters exist) can re-run
			if (report && report.report_name === route[1] && Array.isArray(report.filters) && report.report_settings) {
				last = Date.now();
				report.refresh();
			}
		} else if (
			route[0] === "Workspaces" &&
			frappe.workspace &&
			frappe.workspace.is_read_only !== false &&
			frappe.workspace.current_page &&
			frappe.workspace.current_page.name === "PRM"
		) {
			refresh_workspace(frappe.workspace);
		}
	}

	$(document).on("app_ready", function () {
		frappe.realtime.on("prm_channel_update", schedule);
	});
})();
