// End-to-end test of /become-a-partner (a guest applies, the Administrator approves over REST) and
// /partner/warranty (partner A registers a serial number and files a warranty claim; partner B sees
// none of it). Item, serial number and the approved applicant are created for the run and removed
// afterwards (PRM_E2E_KEEP=1 keeps them).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
	SiteClient,
	config,
	covers,
	launchBrowser,
	loginThroughForm,
	openPage,
	partnerOf,
	resourcePath,
	screenshot,
	treeOf,
	uniqueSuffix,
} from "./lib.mjs";

const cfg = config();
const TIMEOUT = 90_000;
const state = { pages: [], cleanup: [] };
const sfx = uniqueSuffix();

function assertNoPageErrors(entry) {
	assert.deepEqual(entry.log.pageErrors, [], `uncaught page errors in ${entry.log.label}`);
}

async function get(doctype, name) {
	return (await state.admin.ok("GET", resourcePath(doctype, name))).data;
}

async function list(doctype, filters, fields = ["name"]) {
	return (
		await state.admin.ok(
			"GET",
			resourcePath(doctype, null, { filters: JSON.stringify(filters), fields: JSON.stringify(fields), limit_page_length: "0" }),
		)
	).data;
}

describe("partner application and warranty", { timeout: 10 * TIMEOUT }, () => {
	before(async () => {
		const admin = (state.admin = await SiteClient.admin(cfg));
		state.partnerA = await partnerOf(admin, cfg.partnerA.user);
		state.partnerB = await partnerOf(admin, cfg.partnerB.user);
		assert.notEqual(state.partnerA.name, state.partnerB.name, "A and B must be different partners");
		for (const p of [state.partnerA, state.partnerB]) assert.equal(p.status, "Active", `${p.name} must be Active`);
		// An item of a product line A may sell (a leaf group), serial-tracked with a one-year warranty.
		const groups = await treeOf(admin, "Item Group", ["is_group"]);
		const linesA = state.partnerA.product_lines.map((l) => l.item_group);
		const leaf = [...groups.values()].find((g) => !g.is_group && covers(groups, linesA, g.name));
		assert.ok(leaf, "an item group within A's product lines");
		const company = (await admin.ok("GET", resourcePath("Company", null, { limit_page_length: "1" }))).data[0].name;
		state.item = `E2E-WTY-${sfx}`;
		await admin.ok("POST", resourcePath("Item"), {
			item_code: state.item,
			item_name: `E2E warranty item ${sfx}`,
			item_group: leaf.name,
			stock_uom: "Nos",
			is_stock_item: 1,
			has_serial_no: 1,
			warranty_period: "365",
		});
		state.serial = `E2E-SN-${sfx}`;
		await admin.ok("POST", resourcePath("Serial No"), { serial_no: state.serial, item_code: state.item, company });
		state.browser = await launchBrowser(cfg);
	});

	after(async () => {
		for (const entry of state.pages) await entry.context.close().catch(() => {});
		await state.browser?.close();
		if (cfg.keepData) return;
		const del = (doctype, name) => state.admin.call("DELETE", resourcePath(doctype, name));
		for (const c of await list("Warranty Claim", [["serial_no", "=", state.serial]]).catch(() => [])) {
			await del("Warranty Claim", c.name);
		}
		await del("Serial No", state.serial);
		await del("Item", state.item);
		if (state.application) {
			const app = await get("Partner Application", state.application).catch(() => null);
			if (app?.channel_partner) {
				const cp = await get("Channel Partner", app.channel_partner);
				await state.admin.call("PUT", resourcePath("Partner Application", app.name), { channel_partner: null });
				await del("Channel Partner", cp.name);
				if (cp.sales_partner) await del("Sales Partner", cp.sales_partner);
				for (const m of cp.members) {
					if (m.contact) await del("Contact", m.contact);
					if (m.user) await del("User", m.user);
				}
			}
			await del("Partner Application", state.application);
		}
	});

	it("1. a guest applies on /become-a-partner", { timeout: TIMEOUT }, async () => {
		const g = await openPage(state.browser, cfg, "guest");
		state.pages.push(g);
		const { page } = g;
		const script = page.waitForResponse((r) => r.url().endsWith("/assets/prm_extension/js/partner_application.js"));
		const response = await page.goto("/become-a-partner");
		assert.equal(response.status(), 200);
		assert.equal((await script).status(), 200, "partner_application.js is served (bench build)");
		assert.doesNotMatch(await page.locator("body").innerText(), /\{\{|\{%/, "no raw template code");
		// The honeypot is not visible to people.
		const box = await page.locator("#prm-fax_number").boundingBox();
		assert.ok(!box || box.x < 0, "the honeypot field is off screen");

		state.company = `E2E Applicant ${sfx} GmbH`;
		state.email = `e2e-${sfx.toLowerCase()}@applicant-${sfx.toLowerCase()}.example.com`;
		await page.fill("#prm-company_name", state.company);
		await page.fill("#prm-website", `https://applicant-${sfx.toLowerCase()}.example.com`);
		await page.selectOption("#prm-country", { index: 1 });
		const territories = await page.locator("#prm-territory option").evaluateAll((o) => o.map((x) => x.value).filter(Boolean));
		state.territory = state.partnerA.home_territory && territories.includes(state.partnerA.home_territory) ? state.partnerA.home_territory : territories[0];
		await page.selectOption("#prm-territory", state.territory);
		await page.selectOption("#prm-partner_type", "Distributor");
		await page.locator('input[name="product_lines"]').first().check();
		await page.fill("#prm-business_description", "We distribute servers to SMBs.\nTeam of 12.");
		await page.fill("#prm-applicant_name", "Erika Example");
		await page.fill("#prm-email", state.email);
		await page.fill("#prm-phone", "+49 30 123456");
		// Without consent the page refuses (no request).
		let calls = 0;
		page.on("request", (r) => r.url().includes("prm_extension.api.applications.apply") && calls++);
		await page.click("#prm-apply-submit");
		await page.locator("#prm-apply-error").waitFor({ state: "visible" });
		assert.match(await page.locator("#prm-apply-error").innerText(), /agree/i);
		assert.equal(calls, 0);
		await page.check("#prm-consent");
		await screenshot(page, cfg, "partner-application-form-1280.png");
		await screenshot(page, cfg, "partner-application-form-390.png", 390);
		const answered = page.waitForResponse((r) => r.url().includes("prm_extension.api.applications.apply"));
		await page.click("#prm-apply-submit");
		assert.equal((await answered).status(), 200);
		const done = page.locator("#prm-apply-done");
		await done.waitFor({ state: "visible" });
		assert.match(await done.innerText(), /received/);
		assert.ok((await done.innerText()).includes(state.company));
		assert.equal(await page.locator("#prm-apply-form").isVisible(), false);
		await screenshot(page, cfg, "partner-application-received-1280.png");
		await screenshot(page, cfg, "partner-application-received-390.png", 390);
		assertNoPageErrors(g);

		const apps = await list("Partner Application", [["email", "=", state.email]], ["name", "status", "company_name", "territory"]);
		assert.equal(apps.length, 1);
		assert.equal(apps[0].status, "Submitted");
		state.application = apps[0].name;
		assert.equal((await list("User", [["name", "=", state.email]])).length, 0, "no user before approval");
	});

	it("2. the Administrator approves: Active partner, Partner Admin user, Sales Partner", { timeout: TIMEOUT }, async () => {
		assert.ok(state.application, "test 1 filed an application");
		const r = await state.admin.ok("POST", "/api/method/prm_extension.api.applications.approve", {
			name: state.application,
			home_territory: state.territory,
		});
		const cp = await get("Channel Partner", r.message);
		assert.equal(cp.status, "Active");
		assert.equal(cp.partner_name, state.company);
		assert.equal(cp.members[0].partner_role, "Partner Admin");
		assert.ok(cp.sales_partner);
		const user = await get("User", cp.members[0].user);
		const roles = user.roles.map((x) => x.role);
		assert.ok(roles.includes("Partner Admin") && roles.includes("Partner User"), `roles: ${roles}`);
		assert.equal(user.user_type, "Website User");
		assert.equal((await get("Partner Application", state.application)).status, "Approved");
		// A guest cannot approve.
		const guest = new SiteClient(cfg);
		const refused = await guest.call("POST", "/api/method/prm_extension.api.applications.reject", { name: state.application, reason: "x" });
		assert.ok([401, 403].includes(refused.status), `guest reject: HTTP ${refused.status}`);
	});

	it("3. partner A registers the serial number and files a warranty claim", { timeout: TIMEOUT }, async () => {
		const a = await openPage(state.browser, cfg, "partner A");
		state.pages.push((state.a = a));
		const { page } = a;
		await loginThroughForm(page, cfg.partnerA.user, cfg.partnerA.password);
		const script = page.waitForResponse((r) => r.url().endsWith("/assets/prm_extension/js/partner_warranty.js"));
		assert.equal((await page.goto("/partner/warranty")).status(), 200);
		assert.equal((await script).status(), 200);
		assert.ok(await page.locator('a[href="/partner/warranty"]').count(), "sidebar link to the page");
		const customers = await page.locator("#prm-customer-options option").evaluateAll((o) => o.map((x) => x.value).filter(Boolean));
		assert.ok(customers.length, "A has customers to register products for");
		state.customer = customers[0];

		// Unknown serial: the server's message next to the form.
		await page.fill("#prm-serial", `NO-SUCH-${sfx}`);
		await page.fill("#prm-customer", state.customer);
		await page.click("#prm-register-submit");
		await page.locator("#prm-register-error").waitFor({ state: "visible" });
		assert.match(await page.locator("#prm-register-error").innerText(), /not known/);
		assert.equal(await page.locator("#prm-register-submit").isDisabled(), false);

		await page.fill("#prm-serial", state.serial);
		await Promise.all([page.waitForEvent("load"), page.click("#prm-register-submit")]);
		const row = page.locator(`#prm-serial-list tr[data-name="${state.serial}"]`);
		await row.waitFor({ state: "visible" });
		assert.match(await row.innerText(), /Under Warranty/);
		assert.match(await page.locator("#prm-warranty-done").innerText(), /registered: warranty until/);
		const serial = await get("Serial No", state.serial);
		assert.equal(serial.prm_channel_partner, state.partnerA.name);
		assert.equal(serial.customer, state.customer);
		assert.ok(serial.warranty_expiry_date);

		await page.fill("#prm-claim-serial", state.serial);
		await page.fill("#prm-complaint", "Fan is loud <b>after</b> two days.\nCustomer wants a replacement.");
		await Promise.all([page.waitForEvent("load"), page.click("#prm-claim-submit")]);
		const claimRow = page.locator("#prm-wclaim-list tr", { hasText: state.serial });
		await claimRow.first().waitFor({ state: "visible" });
		assert.match(await claimRow.first().innerText(), /Open/);
		assert.match(await claimRow.first().innerText(), /<b>after<\/b>/, "the complaint shown as text");
		const claims = await list("Warranty Claim", [["serial_no", "=", state.serial]], ["name", "prm_channel_partner", "customer", "status"]);
		assert.equal(claims.length, 1);
		assert.equal(claims[0].prm_channel_partner, state.partnerA.name);
		assert.equal(claims[0].customer, state.customer);
		state.claim = claims[0].name;
		await screenshot(page, cfg, "partner-warranty-1280.png");
		await screenshot(page, cfg, "partner-warranty-390.png", 390);

		// The service desk resolves it; A sees the resolution.
		await state.admin.ok("PUT", resourcePath("Warranty Claim", state.claim), { status: "Closed", resolution_details: "Fan replaced on site." });
		await page.reload();
		const resolved = page.locator(`#prm-wclaim-list tr[data-name="${state.claim}"]`);
		assert.match(await resolved.innerText(), /Closed/);
		assert.match(await resolved.innerText(), /Fan replaced on site\./);
		await screenshot(page, cfg, "partner-warranty-resolved-390.png", 390);
		assertNoPageErrors(a);
	});

	it("4. partner B sees none of it and cannot take over A's serial number", { timeout: TIMEOUT }, async () => {
		assert.ok(state.claim, "test 3 filed a claim");
		const b = await openPage(state.browser, cfg, "partner B");
		state.pages.push(b);
		const { page } = b;
		await loginThroughForm(page, cfg.partnerB.user, cfg.partnerB.password);
		assert.equal((await page.goto("/partner/warranty")).status(), 200);
		const html = await page.content();
		for (const secret of [state.serial, state.claim, state.partnerA.name, cfg.partnerA.user]) {
			assert.ok(!html.includes(secret), `B's page must not contain ${secret}`);
		}
		const answer = await page.evaluate(
			async ([serial]) => {
				try {
					await window.prm.call("prm_extension.api.warranty.register_serial", { serial_no: serial, customer: "x" });
					return "accepted";
				} catch (e) {
					return window.prm.errorText(e);
				}
			},
			[state.serial],
		);
		assert.match(answer, /already registered by another partner/);
		assert.ok(!answer.includes(state.partnerA.name));
		const claimAnswer = await page.evaluate(
			async ([serial]) => {
				try {
					await window.prm.call("prm_extension.api.warranty.file_claim", { serial_no: serial, complaint: "x" });
					return "accepted";
				} catch (e) {
					return window.prm.errorText(e);
				}
			},
			[state.serial],
		);
		assert.match(claimAnswer, /not registered by your company/);
		const rest = await page.evaluate(async ([serial, claim]) => {
			const out = [];
			for (const path of [`/api/resource/Serial No/${serial}`, `/api/resource/Warranty Claim/${claim}`, "/api/resource/Warranty Claim"]) {
				const r = await fetch(path, { headers: { Accept: "application/json" } });
				out.push([r.status, await r.text()]);
			}
			return out;
		}, [state.serial, state.claim]);
		for (const [status, text] of rest) {
			assert.ok([403, 404].includes(status), `REST answered ${status}`);
			assert.ok(!text.includes(state.partnerA.name), "no A in REST answers");
		}
		await screenshot(page, cfg, "partner-warranty-other-partner-1280.png");
		assertNoPageErrors(b);

		// Anonymous visitors go to the login page.
		const anon = await openPage(state.browser, cfg, "anonymous");
		state.pages.push(anon);
		await anon.page.goto("/partner/warranty");
		assert.equal(new URL(anon.page.url()).pathname, "/login");
	});
});
