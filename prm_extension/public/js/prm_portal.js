// Shared helpers of the partner portal pages (accounts, deals).
//
// Calls go to /api/method/<method> with fetch: on website pages frappe.call (website.js) never
// calls an `error` callback and pops the raw server messages up in a dialog, while these pages
// show them next to the control that caused them.
(function () {
	const translate = window.__;
	const __ = (text, args) => {
		if (typeof translate === "function") return translate(text, args);
		return String(text).replace(/\{(\d+)\}/g, (m, i) => (args && args[i] != null ? args[i] : m));
	};
	const esc = (s) =>
		String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

	/** Server messages are HTML (<br>, <strong>): show them as plain text, never as markup. */
	function htmlToText(html) {
		const doc = new DOMParser().parseFromString(String(html).replace(/<br\s*\/?>/gi, "\n"), "text/html");
		return (doc.body.textContent || "").replace(/\n{3,}/g, "\n\n").trim();
	}

	class CallError extends Error {
		constructor(status, body) {
			super(`HTTP ${status}`);
			this.status = status;
			this.body = body || {};
		}
	}

	async function call(method, args, type) {
		const get = type === "GET";
		let url = "/api/method/" + method;
		const init = {
			method: get ? "GET" : "POST",
			credentials: "same-origin",
			headers: { Accept: "application/json", "X-Frappe-CSRF-Token": (window.frappe && frappe.csrf_token) || "" },
		};
		if (get) {
			const params = new URLSearchParams();
			for (const [k, v] of Object.entries(args || {})) if (v != null && v !== "") params.set(k, v);
			url += "?" + params.toString();
		} else {
			init.headers["Content-Type"] = "application/json";
			init.body = JSON.stringify(args || {});
		}
		let response;
		try {
			response = await fetch(url, init);
		} catch (e) {
			throw new CallError(0, null);
		}
		let body = null;
		try {
			body = await response.json();
		} catch (e) {
			body = null;
		}
		if (response.ok && body) return body.message;
		throw new CallError(response.status, body);
	}

	/** The messages of a failed call, as text; never a traceback. */
	function errorText(err) {
		const out = [];
		try {
			for (const raw of JSON.parse((err.body && err.body._server_messages) || "[]")) {
				let m;
				try {
					m = JSON.parse(raw);
				} catch (e) {
					m = { message: raw };
				}
				const text = htmlToText(m && m.message != null ? m.message : m);
				if (text && !out.includes(text)) out.push(text);
			}
		} catch (e) {
			/* not the usual answer */
		}
		if (out.length) return out.join("\n");
		if (err.status === 401) return __("Your session has expired. Please log in again.");
		if (err.status === 403) return __("You are not permitted to do this.");
		if (err.status === 404) return __("This record was not found.");
		if (err.status === 0) return __("The server could not be reached. Check your connection and try again.");
		return __("Something went wrong. Please try again.");
	}

	function showError(box, text) {
		box.textContent = text;
		box.hidden = !text;
		if (text) {
			box.scrollIntoView({ block: "nearest", behavior: "smooth" });
		}
	}

	window.prm = { __, esc, htmlToText, CallError, call, errorText, showError };
})();
