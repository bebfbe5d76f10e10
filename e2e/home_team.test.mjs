// End-to-end test of the partner portal home (/partner), news (/partner/news) and team
// (/partner/team) pages (see README.md for set-up).
//
// The Administrator publishes an announcement targeted (REST) to partner A's tier (or type); A sees
// its figures and the announcement as unread on the home page, opens it (it becomes read); B does
// not see it, not even by its address. A invites a teammate and deactivates them (the User is
// disabled); B sees nothing of A's team and cannot change it. The announcement is deleted and the
// teammate removed from A afterwards.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SiteClient, config, isMethodCall, launchBrowser, loginThroughForm, openPage, partnerOf, resourcePath, screenshot, uniqueSuffix } from "./lib.mjs";

const cfg = config();
const TIMEOUT = 90_000;
const API = "prm_extension.api.portal.";
const state = { pages: [] };

async function signIn(browser, who, label) {
	const entry = await openPage(browser, cfg, label);
	state.pages.push(entry);
	await loginThroughForm(entry.page, who.user, who.password);
	return entry;
}

/** A call from inside the page (the browser maps the site host; node's request context would not). */
async function apiAs(page, method, args = {}, post = false) {
	return page.evaluate(
		async ({ url, args, post }) => {
			const init = { credentials: "same-origin", headers: { Accept: "application/json" } };
			if (post) {
				init.method = "POST";
				init.headers["Content-Type"] = "application/json";
				init.headers["X-Frappe-CSRF-Token"] = (window.frappe && frappe.csrf_token) || "";
				init.body = JSON.stringify(args);
			} else {
				url += "?" + new URLSearchParams(args).toString();
			}
			const r = await fetch(url, init);
			let body = null;
			try {
				body = await r.json();
			} catch (e) {
				body = null;
			}
			return { status: r.status, body };
		},
		{ url: method.startsWith("/") ? method : `/api/method/${API}${method}`, args, post },
	);
}

describe("partner portal home, news and team", { timeout: 10 * TIMEOUT }, () => {
	before(async () => {
		const admin = (state.admin = await SiteClient.admin(cfg));
		state.A = await partnerOf(admin, cfg.partnerA.user);
		state.B = await partnerOf(admin, cfg.partnerB.user);
		assert.notEqual(state.A.name, state.B.name, "A and B must be different partners");
		const audience = {};
		if (state.A.tier && state.A.tier !== state.B.tier) audience.tiers = [{ tier: state.A.tier }];
		else if (state.A.partner_type !== state.B.partner_type) audience.partner_types = [{ partner_type: state.A.partner_type }];
		else throw new Error("A and B need a different tier or partner type to target A only");
		state.title = `E2E news ${uniqueSuffix()}`;
		const doc = await admin.ok("POST", resourcePath("Partner Announcement"), {
			title: state.title,
			status: "Published",
			body: "<p>New <b>price list</b> for partners.</p><script>window.__e2e_injected = 1</script>",
			...audience,
		});
		state.announcement = doc.data.name;
		state.browser = await launchBrowser(cfg);
	});

	after(async () => {
		for (const { context, log } of state.pages) {
			for (const line of [...log.consoleErrors, ...log.dialogs]) console.log(`# ${line}`);
			await context.close();
		}
		if (state.browser) await state.browser.close();
		if (cfg.keepData) return;
		const { admin } = state;
		if (state.announcement) await admin.call("DELETE", resourcePath("Partner Announcement", state.announcement));
		if (state.teammate) {
			const partner = (await admin.ok("GET", resourcePath("Channel Partner", state.A.name))).data;
			const members = partner.members.filter((m) => m.email !== state.teammate);
			await admin.ok("PUT", resourcePath("Channel Partner", state.A.name), { members });
		}
	});

	it("A sees its own figures and the targeted announcement as unread on /partner", async () => {
		const a = (state.a = await signIn(state.browser, cfg.partnerA, "A"));
		const { page } = a;
		const response = await page.goto("/partner");
		assert.equal(response.status(), 200);
		const figures = (await apiAs(page, "home_figures")).body.message;
		assert.equal(figures.partner, state.A.name, "figures are A's");
		// The tiles show the server's figures; open deals agree with A's registrations (Administrator).
		const deals = await state.admin.ok(
			"GET",
			resourcePath("Deal Registration", null, {
				filters: JSON.stringify([["channel_partner", "=", state.A.name], ["status", "in", ["Submitted", "Approved"]]]),
				fields: JSON.stringify(["name"]),
				limit_page_length: "0",
			}),
		);
		assert.equal(figures.open_deals, deals.data.length, "open deals = A's Submitted + Approved registrations");
		const tile = async (id) => Number(await page.locator(`#${id} .prm-tile-value`).getAttribute("data-value"));
		assert.equal(await tile("prm-fig-open-deals"), figures.open_deals);
		assert.equal(await tile("prm-fig-deals-awaiting"), figures.deals_awaiting);
		assert.equal(await tile("prm-fig-expiring"), figures.expiring_reservations);
		assert.equal(await tile("prm-fig-claims"), figures.claims_awaiting);
		assert.ok(figures.unread_announcements >= 1);
		const item = page.locator(`#prm-home-news li[data-name="${state.announcement}"]`);
		await item.waitFor();
		assert.match(await item.getAttribute("class"), /prm-unread/);
		assert.equal(await page.locator("#prm-quick-links a").count(), 9);
		const text = await page.locator("body").innerText();
		assert.doesNotMatch(text, /\{\{|\{%|%\}|\}\}/);
		assert.ok(!text.includes(state.B.name), "nothing of B on A's home");
		await screenshot(page, cfg, "partner-home-1280.png");
		await screenshot(page, cfg, "partner-home-390.png", 390);
	});

	it("A opens the announcement from /partner/news and it becomes read", async () => {
		const { page, log } = state.a;
		await page.goto("/partner/news");
		const item = page.locator(`#prm-news-list li[data-name="${state.announcement}"]`);
		assert.match(await item.getAttribute("class"), /prm-unread/);
		await screenshot(page, cfg, "partner-news-list-1280.png");
		await screenshot(page, cfg, "partner-news-list-390.png", 390);
		const marked = page.waitForResponse((r) => isMethodCall(r, `${API}mark_announcement_read`));
		await item.locator("a").first().click();
		assert.equal((await marked).status(), 200);
		await page.locator("#prm-read-state", { hasText: "Read" }).waitFor();
		assert.ok(await page.locator(".prm-body b", { hasText: "price list" }).count(), "the body's markup is shown");
		assert.equal(await page.evaluate(() => window.__e2e_injected), undefined, "scripts in the body do not run");
		await screenshot(page, cfg, "partner-news-detail-1280.png");
		await screenshot(page, cfg, "partner-news-detail-390.png", 390);
		await page.goto("/partner/news");
		assert.match(await page.locator(`#prm-news-list li[data-name="${state.announcement}"]`).getAttribute("class"), /prm-read/);
		// idempotent: a second mark is no new read
		const again = await apiAs(page, "mark_announcement_read", { announcement: state.announcement }, true);
		assert.equal(again.status, 200);
		assert.equal(again.body.message.newly_read, false);
		assert.deepEqual(log.pageErrors, []);
	});

	it("B does not see the announcement, not even by its address", async () => {
		const b = (state.b = await signIn(state.browser, cfg.partnerB, "B"));
		const { page } = b;
		await page.goto("/partner/news");
		assert.equal(await page.locator(`li[data-name="${state.announcement}"]`).count(), 0);
		assert.ok(!(await page.content()).includes(state.title));
		await page.goto("/partner");
		assert.ok(!(await page.content()).includes(state.title));
		const direct = await page.goto(`/partner/news/${state.announcement}`);
		assert.equal(direct.status(), 404);
		assert.ok(!(await page.content()).includes(state.title));
		const rest = await apiAs(page, resourcePath("Partner Announcement", state.announcement));
		assert.ok([403, 404].includes(rest.status), `REST read answers ${rest.status}`);
		const mark = await apiAs(page, "mark_announcement_read", { announcement: state.announcement }, true);
		assert.notEqual(mark.status, 200);
	});

	it("A (admin) invites a teammate and deactivates them", async () => {
		const { page, log } = state.a;
		await page.goto("/partner/team");
		assert.equal(await page.locator("#prm-team").getAttribute("data-can-manage"), "1");
		const domain = cfg.partnerA.user.split("@")[1];
		const email = (state.teammate = `e2e-${uniqueSuffix().toLowerCase()}@${domain}`);
		// a bad address is refused in the page
		await page.locator("#prm-invite-email").fill("not-an-address");
		await page.locator("#prm-invite-name").fill("Tess Teammate");
		await page.locator("#prm-invite-button").click();
		await page.locator("#prm-invite-error").waitFor({ state: "visible" });
		await page.locator("#prm-invite-email").fill(email);
		const invited = page.waitForResponse((r) => isMethodCall(r, `${API}invite_member`));
		await page.locator("#prm-invite-button").click();
		assert.equal((await invited).status(), 200);
		const row = page.locator(`#prm-member-list tr[data-email="${email}"]`);
		await row.waitFor();
		assert.equal(await row.getAttribute("data-enabled"), "1");
		await page.locator("#prm-team-done").waitFor({ state: "visible" });
		await screenshot(page, cfg, "partner-team-1280.png");
		await screenshot(page, cfg, "partner-team-390.png", 390);
		const user = (await state.admin.ok("GET", resourcePath("User", email))).data;
		assert.equal(user.enabled, 1);
		assert.deepEqual(user.roles.map((r) => r.role).filter((r) => r.startsWith("Partner")).sort(), ["Partner User"]);

		log.onDialog = (d) => d.accept();
		const off = page.waitForResponse((r) => isMethodCall(r, `${API}set_member_enabled`));
		await row.locator(".prm-toggle").click();
		assert.equal((await off).status(), 200);
		await page.locator(`#prm-member-list tr[data-email="${email}"][data-enabled="0"]`).waitFor();
		assert.equal((await state.admin.ok("GET", resourcePath("User", email))).data.enabled, 0, "the User is disabled");
		await screenshot(page, cfg, "partner-team-deactivated-1280.png");
		// the last enabled admin cannot demote themself (A's own row), if A is its partner's only admin
		const admins = (await page.locator('#prm-member-list tr[data-role="Partner Admin"][data-enabled="1"]').count());
		if (admins === 1) {
			const r = await apiAs(page, "set_member_role", { email: cfg.partnerA.user, partner_role: "Partner User" }, true);
			assert.equal(r.status, 417);
		}
		assert.deepEqual(log.pageErrors, []);
	});

	it("B cannot see or change A's team", async () => {
		const { page } = state.b;
		await page.goto("/partner/team");
		const html = await page.content();
		assert.ok(!html.includes(state.teammate) && !html.includes(cfg.partnerA.user), "none of A's people on B's team page");
		const team = (await apiAs(page, "team")).body.message;
		assert.equal(team.partner, state.B.name);
		for (const [method, args] of [
			["set_member_enabled", { email: state.teammate, enabled: 1 }],
			["set_member_role", { email: cfg.partnerA.user, partner_role: "Partner User" }],
		]) {
			const r = await apiAs(page, method, args, true);
			assert.equal(r.status, 404, `${method} of A's member: ${r.status}`);
		}
		assert.equal((await state.admin.ok("GET", resourcePath("User", state.teammate))).data.enabled, 0, "still disabled");
	});
});
