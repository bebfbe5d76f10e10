// End-to-end test of the live PRM workspace and a channel report in the desk (see README.md).
//
// A PRM Manager (PRM_DESK_USER / PRM_DESK_PASSWORD; the site's Administrator will do) opens the PRM
// workspace. Partner A then reserves a fresh customer (REST, as the Administrator acting for A): the
// "Active Reservations" card shows one more within seconds, without reloading the page — the
// server's realtime event reached the desk (Frappe's socket.io server must run, see README.md).
// The Channel Pipeline report renders with its chart. The customer and reservation are removed.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SiteClient, config, launchBrowser, openPage, partnerOf, resourcePath, screenshot, uniqueSuffix } from "./lib.mjs";

const cfg = config();
const TIMEOUT = 120_000;
const desk = { user: process.env.PRM_DESK_USER || "", password: process.env.PRM_DESK_PASSWORD || "" };
const state = { pages: [] };

async function cardNumber(page, title) {
	const card = page.locator(".widget.number-widget-box", { has: page.locator(".widget-title", { hasText: title }) }).first();
	await card.locator(".number").waitFor({ timeout: 30000 });
	const text = await card.locator(".number").innerText();
	return Number(text.replace(/[^0-9.-]/g, ""));
}

describe("desk: live PRM workspace and channel reports", { timeout: 10 * TIMEOUT, skip: !desk.user && "set PRM_DESK_USER and PRM_DESK_PASSWORD" }, () => {
	before(async () => {
		const admin = (state.admin = await SiteClient.admin(cfg));
		state.A = await partnerOf(admin, cfg.partnerA.user);
		const group = (await admin.ok("GET", resourcePath("Customer Group", null, { filters: JSON.stringify([["is_group", "=", 0]]), limit_page_length: "1" }))).data[0].name;
		const territory = cfg.territory || (state.A.territories[0] || {}).territory || state.A.home_territory;
		const customer = await admin.ok("POST", resourcePath("Customer"), {
			customer_name: `E2E Live ${uniqueSuffix()}`,
			customer_type: "Company",
			customer_group: group,
			territory,
		});
		state.customer = customer.data.name;
		state.browser = await launchBrowser(cfg);
	});

	after(async () => {
		for (const { context, log } of state.pages) {
			for (const line of [...log.consoleErrors, ...log.dialogs]) console.log(`# ${line}`);
			await context.close();
		}
		if (state.browser) await state.browser.close();
		if (cfg.keepData || !state.admin) return;
		if (state.reservation) await state.admin.call("DELETE", resourcePath("Account Reservation", state.reservation));
		if (state.customer) await state.admin.call("DELETE", resourcePath("Customer", state.customer));
	});

	it("a reservation made elsewhere appears on the open PRM workspace without a reload", async () => {
		const entry = await openPage(state.browser, cfg, "desk");
		state.pages.push(entry);
		const { page, log } = entry;
		await page.goto("/login?redirect-to=/app/prm");
		await page.locator("#login_email").fill(desk.user);
		await page.locator("#login_password").fill(desk.password);
		await Promise.all([page.waitForURL(/\/app\/prm/, { timeout: 60000 }), page.locator(".btn-login").first().click()]);
		const before = await cardNumber(page, "Active Reservations");
		// the realtime connection is up before the change is made
		await page.waitForFunction(() => window.frappe && frappe.realtime && frappe.realtime.socket && frappe.realtime.socket.connected, null, { timeout: 30000 });
		await page.evaluate(() => (window.__prm_no_reload = 1));
		const answer = await state.admin.ok("POST", "/api/method/prm_extension.api.accounts.reserve", { customer: state.customer, channel_partner: state.A.name });
		assert.equal(answer.message.ok, true, JSON.stringify(answer.message));
		state.reservation = answer.message.reservation;
		await page.waitForFunction(
			async ({ title, expected }) => {
				const card = [...document.querySelectorAll(".widget.number-widget-box")].find((w) => (w.querySelector(".widget-title") || {}).textContent?.includes(title));
				const n = card && card.querySelector(".number");
				return n && Number(n.textContent.replace(/[^0-9.-]/g, "")) === expected;
			},
			{ title: "Active Reservations", expected: before + 1 },
			{ timeout: 30000 },
		);
		assert.equal(await page.evaluate(() => window.__prm_no_reload), 1, "the page was not reloaded");
		await page.waitForTimeout(1500); // let the charts draw
		await screenshot(page, cfg, "desk-prm-workspace-1280.png");
		assert.deepEqual(log.pageErrors, []);
	});

	it("the Channel Pipeline report renders with its chart", async () => {
		const { page, log } = state.pages[0];
		// the desk routes itself (a full page load of a desk URL is aborted by its own router)
		await page.evaluate(() => frappe.set_route("query-report", "Channel Pipeline"));
		await page.locator(".dt-scrollable").or(page.getByText("Nothing to show")).first().waitFor({ timeout: 60000 });
		await page.waitForTimeout(1500);
		const filters = await page.locator(".page-form").innerText().catch(() => "");
		assert.ok(await page.locator('.page-form [data-fieldname="group_by"]').count(), `the report's filters are shown: ${filters}`);
		if (await page.locator(".dt-scrollable").count()) {
			assert.match(await page.locator(".layout-main-section.frappe-card").innerText(), /Registered Value/);
		}
		await screenshot(page, cfg, "desk-channel-pipeline-1280.png");
		assert.deepEqual(log.pageErrors, []);
	});
});
