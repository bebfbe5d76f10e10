// Shared helpers of the partner portal end-to-end tests: configuration, a small REST client for
// the Administrator set-up calls (run from node, not the browser) and the Chromium launcher.
import http from "node:http";
import https from "node:https";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));

function need(name) {
	const value = process.env[name];
	if (!value) throw new Error(`Set ${name} (see e2e/README.md).`);
	return value;
}

export function config() {
	const baseUrl = new URL(process.env.PRM_BASE_URL || "http://prm-fresh.localhost:8000");
	const siteHost = process.env.PRM_SITE_HOST || baseUrl.hostname;
	const cfg = {
		baseUrl: baseUrl.origin,
		siteHost,
		// Address the site host is mapped to, for Chromium and for node's own requests.
		connectAddr: process.env.PRM_CONNECT_ADDR || "127.0.0.1",
		port: Number(baseUrl.port || (baseUrl.protocol === "https:" ? 443 : 80)),
		secure: baseUrl.protocol === "https:",
		chromium: process.env.PRM_CHROMIUM || "/usr/bin/chromium",
		screenshots: resolve(process.env.PRM_SCREENSHOT_DIR || join(here, "..", "docs", "screenshots")),
		partnerA: { user: need("PRM_PARTNER_A_USER"), password: need("PRM_PARTNER_A_PASSWORD") },
		partnerB: { user: need("PRM_PARTNER_B_USER"), password: need("PRM_PARTNER_B_PASSWORD") },
		territory: process.env.PRM_CUSTOMER_TERRITORY || "",
		customerGroup: process.env.PRM_CUSTOMER_GROUP || "",
		keepData: process.env.PRM_E2E_KEEP === "1",
	};
	if (process.env.PRM_ADMIN_API_KEY && process.env.PRM_ADMIN_API_SECRET) {
		cfg.adminAuth = { token: `${process.env.PRM_ADMIN_API_KEY}:${process.env.PRM_ADMIN_API_SECRET}` };
	} else if (process.env.PRM_ADMIN_PASSWORD) {
		cfg.adminAuth = { user: process.env.PRM_ADMIN_USER || "Administrator", password: process.env.PRM_ADMIN_PASSWORD };
	} else {
		throw new Error("Set PRM_ADMIN_API_KEY + PRM_ADMIN_API_SECRET, or PRM_ADMIN_PASSWORD (see e2e/README.md).");
	}
	mkdirSync(cfg.screenshots, { recursive: true });
	return cfg;
}

/** A REST client that talks to the site from node (Host header set, connection to connectAddr). */
export class SiteClient {
	constructor(cfg) {
		this.cfg = cfg;
		this.cookies = new Map();
		this.headers = {};
	}

	static async admin(cfg) {
		const client = new SiteClient(cfg);
		if (cfg.adminAuth.token) {
			client.headers.Authorization = `token ${cfg.adminAuth.token}`;
		} else {
			await client.login(cfg.adminAuth.user, cfg.adminAuth.password);
		}
		const who = await client.call("GET", "/api/method/frappe.auth.get_logged_user");
		if (who.status !== 200) throw new Error(`Administrator credentials refused (HTTP ${who.status}).`);
		return client;
	}

	async login(usr, pwd) {
		const r = await this.call("POST", "/api/method/login", { usr, pwd });
		if (r.status !== 200) throw new Error(`login of ${usr} failed: HTTP ${r.status} ${r.text.slice(0, 200)}`);
		return r;
	}

	call(method, path, body) {
		const { cfg } = this;
		const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
		const headers = {
			Host: cfg.port === 80 || cfg.port === 443 ? cfg.siteHost : `${cfg.siteHost}:${cfg.port}`,
			Accept: "application/json",
			...this.headers,
		};
		if (payload) {
			headers["Content-Type"] = "application/json";
			headers["Content-Length"] = payload.length;
		}
		if (this.cookies.size) headers.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
		const lib = cfg.secure ? https : http;
		return new Promise((ok, fail) => {
			const req = lib.request(
				{ host: cfg.connectAddr, port: cfg.port, servername: cfg.siteHost, method, path, headers, timeout: 60000 },
				(res) => {
					const chunks = [];
					res.on("data", (c) => chunks.push(c));
					res.on("end", () => {
						for (const line of res.headers["set-cookie"] || []) {
							const [pair] = line.split(";");
							const i = pair.indexOf("=");
							this.cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
						}
						const text = Buffer.concat(chunks).toString("utf8");
						let json = null;
						try {
							json = JSON.parse(text);
						} catch {
							/* not JSON */
						}
						ok({ status: res.statusCode, headers: res.headers, text, json });
					});
				},
			);
			req.on("timeout", () => req.destroy(new Error(`timeout: ${method} ${path}`)));
			req.on("error", fail);
			if (payload) req.write(payload);
			req.end();
		});
	}

	async ok(method, path, body) {
		const r = await this.call(method, path, body);
		if (r.status < 200 || r.status >= 300) {
			throw new Error(`${method} ${path}: HTTP ${r.status} ${r.text.slice(0, 500)}`);
		}
		return r.json;
	}
}

export const resourcePath = (doctype, name, query) =>
	`/api/resource/${encodeURIComponent(doctype)}${name ? `/${encodeURIComponent(name)}` : ""}${query ? `?${new URLSearchParams(query)}` : ""}`;

export async function launchBrowser(cfg) {
	return chromium.launch({
		executablePath: cfg.chromium,
		args: [
			"--no-sandbox",
			"--disable-gpu",
			"--disable-quic",
			"--no-first-run",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
			`--host-resolver-rules=MAP ${cfg.siteHost} ${cfg.connectAddr}`,
		],
	});
}

/**
 * A browser context with a page whose uncaught errors and console errors are collected.
 * `pageErrors` fail the test; console errors are reported as diagnostics.
 */
export async function openPage(browser, cfg, label) {
	const context = await browser.newContext({ baseURL: cfg.baseUrl, viewport: { width: 1280, height: 900 } });
	const page = await context.newPage();
	const log = { label, pageErrors: [], consoleErrors: [] };
	page.on("pageerror", (err) => {
		log.pageErrors.push(`${label}: ${err.message}`);
		if (process.env.PRM_E2E_STACKS) console.log(`# stack: ${err.stack}`);
	});
	page.on("console", (msg) => {
		if (msg.type() === "error") log.consoleErrors.push(`${label}: ${msg.text()} @ ${msg.location().url || ""}`);
	});
	// Dialogs: the test arms `log.onDialog` when it expects one; any other dialog is recorded and dismissed.
	log.dialogs = [];
	page.on("dialog", async (d) => {
		log.dialogs.push(`${d.type()}: ${d.message()}`);
		const handler = log.onDialog;
		log.onDialog = null;
		if (handler) await handler(d);
		else await d.dismiss();
	});
	return { context, page, log };
}

export async function loginThroughForm(page, user, password) {
	await page.goto("/login?redirect-to=/partner/accounts");
	await page.locator("#login_email").fill(user);
	await page.locator("#login_password").fill(password);
	await Promise.all([
		page.waitForURL((url) => url.pathname === "/partner/accounts", { timeout: 30000 }),
		page.locator(".btn-login").first().click(),
	]);
	await page.waitForLoadState("load");
}

export async function screenshot(page, cfg, name, width = 1280) {
	const before = page.viewportSize();
	if (width !== before.width) await page.setViewportSize({ width, height: width < 600 ? 844 : before.height });
	const path = join(cfg.screenshots, name);
	// From the top: the portal sidebar is sticky and would be drawn where the page was scrolled to.
	await page.evaluate(() => window.scrollTo(0, 0));
	await page.screenshot({ path, fullPage: true });
	if (width !== before.width) await page.setViewportSize(before);
	return path;
}

/** The Channel Partner (full document, as Administrator) whose member `user` is. */
export async function partnerOf(admin, user) {
	const list = await admin.ok(
		"GET",
		resourcePath("Channel Partner", null, {
			filters: JSON.stringify([["Channel Partner Member", "user", "=", user]]),
			fields: JSON.stringify(["name"]),
		}),
	);
	if (list.data.length !== 1) throw new Error(`${user} should be a member of exactly one Channel Partner`);
	return (await admin.ok("GET", resourcePath("Channel Partner", list.data[0].name))).data;
}

/** Nested-set tree (name → {lft, rgt}) of a tree DocType such as Territory or Item Group. */
export async function treeOf(admin, doctype, extraFields = []) {
	const rows = (
		await admin.ok(
			"GET",
			resourcePath(doctype, null, { fields: JSON.stringify(["name", "lft", "rgt", ...extraFields]), limit_page_length: "0" }),
		)
	).data;
	return new Map(rows.map((t) => [t.name, t]));
}

/** Is `name` within one of `allowed` (an empty list allows everything)? */
export function covers(tree, allowed, name) {
	if (!allowed.length) return true;
	const t = tree.get(name);
	return allowed.some((a) => {
		const n = tree.get(a);
		return n && t && n.lft <= t.lft && t.rgt <= n.rgt;
	});
}

export const uniqueSuffix = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();

/** Is `response` the answer to a call of `method` (dotted path)? Website pages send frappe.call as
 * `cmd=<method>` to "/" (query string for GET, form body for POST); fetch calls go to /api/method/. */
export function isMethodCall(response, method) {
	const request = response.request();
	const url = new URL(request.url());
	if (url.pathname === `/api/method/${method}`) return true;
	if (url.searchParams.get("cmd") === method) return true;
	return new URLSearchParams(request.postData() || "").get("cmd") === method;
}
