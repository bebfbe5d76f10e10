// End-to-end test of the partner portal deal registration pages (see README.md for set-up):
// /partner/deals (list), /partner/deals/new (form), /partner/deals/<name> (detail).
//
// Partner A registers a deal for a fresh customer with one product and submits it, sees it in its
// list and its checks on the detail page; the Administrator approves it over REST; A sees it
// Approved with a protection date. Partner B neither sees A's deal in its list nor can open it,
// and B's registration of the same customer and product line is refused with a reason that does
// not name A. A requests an extension and marks the deal as lost. The customer and the item are
// created for the run (Administrator, REST) and removed afterwards with the registration.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
	SiteClient,
	config,
	covers,
	isMethodCall,
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
const TIMEOUT = 120_000;
const state = { pages: [] };
const DEALS = "prm_extension.api.deals";

function assertNoPageErrors(entry) {
	assert.deepEqual(entry.log.pageErrors, [], `uncaught page errors in ${entry.log.label}`);
}

function assertNoRawTemplate(text) {
	assert.doesNotMatch(text, /\{\{|\{%|%\}|\}\}/, "no raw template code on the page");
}

/** Open a portal page, check the answer and that partner_deals.js is served. */
async function openPortalPage(page, path, { script = true } = {}) {
	const scriptResponse = script
		? page.waitForResponse((r) => r.url().endsWith("/assets/prm_extension/js/partner_deals.js"), { timeout: 30000 })
		: null;
	const response = await page.goto(path);
	assert.equal(response.status(), 200, `${path} should answer 200`);
	if (scriptResponse) assert.equal((await scriptResponse).status(), 200, "partner_deals.js should be served (bench build --app prm_extension)");
	assertNoRawTemplate(await page.locator("body").innerText());
	return response;
}

/** Today + `days` as YYYY-MM-DD in the browser's calendar (the server checks the date). */
function isoDate(days) {
	const d = new Date(Date.now() + days * 86400000);
	return d.toISOString().slice(0, 10);
}

/** In the form: find `customerName` through the availability search and use it. */
async function pickCustomer(page, customerName) {
	const input = page.locator("#prm-customer-query");
	await input.fill("");
	const answered = page.waitForResponse(
		(r) => isMethodCall(r, "prm_extension.api.accounts.check_availability") && new URL(r.url()).searchParams.get("query") === customerName,
		{ timeout: 30000 },
	);
	await input.pressSequentially(customerName, { delay: 10 });
	const response = await answered;
	assert.equal(response.status(), 200, "availability answer");
	const verdict = page.locator("#prm-customer-result .prm-verdict", { hasText: customerName }).first();
	await verdict.waitFor({ state: "visible", timeout: 15000 });
	await page.waitForTimeout(400); // the last keystroke's answer is the one shown
	const pick = page.locator("#prm-customer-result .prm-pick").first();
	await pick.click();
	await page.locator("#prm-customer-result .prm-verdict.prm-chosen").waitFor({ state: "visible" });
	assert.ok(await page.locator("#prm-customer").inputValue(), "a customer is chosen");
	return { verdictStatus: await page.locator("#prm-customer-result .prm-verdict").getAttribute("data-status"), response };
}

async function fillDeal(page, { customerName, product, qty, rate, closeDate }) {
	await pickCustomer(page, customerName);
	await page.locator("#prm-contact-name").fill("Casey Buyer");
	await page.locator("#prm-contact-email").fill("casey.buyer@e2e-customer.example");
	await page.locator("#prm-contact-phone").fill("+44 20 7946 0000");
	if (closeDate !== undefined) await page.locator("#prm-close-date").fill(closeDate);
	await page.locator("#prm-stage").selectOption("Proposal");
	const row = page.locator("#prm-items .prm-item-row").first();
	await row.locator(".prm-item-product").selectOption(product);
	await row.locator(".prm-item-qty").fill(String(qty));
	await row.locator(".prm-item-rate").fill(String(rate));
	await page.locator("#prm-competitors").fill("Incumbent vendor");
	await page.locator("#prm-notes").fill("Data centre refresh, budget approved for Q1.");
}

/** Click a submit button and return the state of both buttons right after the click (the handler
 * disables them before its first await), plus the number of register calls a second click made. */
async function clickSubmit(page, id) {
	return page.evaluate((buttonId) => {
		const btn = document.getElementById(buttonId);
		btn.click();
		const disabledAfterClick = [...document.querySelectorAll("#prm-deal-form button[type=submit]")].map((b) => b.disabled);
		btn.click(); // a second click while the first request runs must not send another
		return disabledAfterClick;
	}, id);
}

describe("partner portal /partner/deals", { timeout: 12 * TIMEOUT }, () => {
	before(async () => {
		const admin = (state.admin = await SiteClient.admin(cfg));
		state.partnerA = await partnerOf(admin, cfg.partnerA.user);
		state.partnerB = await partnerOf(admin, cfg.partnerB.user);
		const { partnerA: A, partnerB: B } = state;
		assert.notEqual(A.name, B.name, "partners A and B must be different channel partners");
		for (const p of [A, B]) assert.equal(p.status, "Active", `${p.name} must be an Active partner`);

		const territories = await treeOf(admin, "Territory");
		const aTerritories = A.territories.map((t) => t.territory);
		const bTerritories = B.territories.map((t) => t.territory);
		const territory = cfg.territory || aTerritories[0] || bTerritories[0] || "All Territories";
		assert.ok(covers(territories, aTerritories, territory), `partner A must cover territory ${territory}`);
		assert.ok(covers(territories, bTerritories, territory), `partner B must cover territory ${territory}`);

		// A product line both partners may sell: a leaf Item Group inside both partners' lines,
		// preferably one below a group of its own (the demo's product lines) over ERPNext's defaults.
		const groups = await treeOf(admin, "Item Group", ["is_group", "parent_item_group"]);
		const aLines = A.product_lines.map((l) => l.item_group);
		const bLines = B.product_lines.map((l) => l.item_group);
		const candidates = [...groups.values()]
			.filter((g) => !g.is_group && covers(groups, aLines, g.name) && covers(groups, bLines, g.name))
			.sort((x, y) => (x.parent_item_group === "All Item Groups") - (y.parent_item_group === "All Item Groups") || x.lft - y.lft);
		const itemGroup = process.env.PRM_ITEM_GROUP || candidates[0]?.name;
		assert.ok(itemGroup, "need an Item Group (product line) that both partners may sell");
		state.itemGroup = itemGroup;

		const customerGroup =
			cfg.customerGroup ||
			(
				await admin.ok(
					"GET",
					resourcePath("Customer Group", null, { filters: JSON.stringify([["is_group", "=", 0]]), limit_page_length: "1" }),
				)
			).data[0].name;
		const suffix = uniqueSuffix();
		state.customerName = `E2E Deal Check ${suffix}`;
		const customer = await admin.ok("POST", resourcePath("Customer"), {
			customer_name: state.customerName,
			customer_type: "Company",
			customer_group: customerGroup,
			territory,
		});
		state.customer = customer.data.name;
		state.territory = territory;
		const uom = (await admin.ok("GET", resourcePath("UOM", null, { limit_page_length: "1", filters: JSON.stringify([["name", "=", "Nos"]]) }))).data[0]?.name;
		const item = await admin.ok("POST", resourcePath("Item"), {
			item_code: `E2E-DEAL-${suffix}`,
			item_name: `E2E Storage Array ${suffix}`,
			item_group: itemGroup,
			stock_uom: uom || "Unit",
			is_stock_item: 0,
			is_sales_item: 1,
		});
		state.item = item.data.name;
		state.itemName = item.data.item_name;
		// What B must never see of A.
		state.aSecrets = [A.name, A.partner_name, ...A.members.flatMap((m) => [m.user, m.email])].filter(Boolean);
		state.browser = await launchBrowser(cfg);
	});

	after(async () => {
		for (const entry of state.pages) await entry.context.close().catch(() => {});
		await state.browser?.close();
		if (cfg.keepData || !state.admin) return;
		const admin = state.admin;
		const problems = [];
		const attempt = async (what, fn) => {
			try {
				await fn();
			} catch (e) {
				problems.push(`${what}: ${String(e.message).slice(0, 200)}`);
			}
		};
		if (state.customer) {
			const regs = await admin
				.ok("GET", resourcePath("Deal Registration", null, {
					filters: JSON.stringify([["customer", "=", state.customer]]),
					fields: JSON.stringify(["name", "docstatus", "opportunity", "pricing_rule", "prospect"]),
					limit_page_length: "0",
				}))
				.catch(() => ({ data: [] }));
			for (const r of regs.data) {
				// The approval's Opportunity and the registration link to each other: unlink first.
				if (r.opportunity) {
					await attempt(`unlink ${r.opportunity}`, () => admin.ok("PUT", resourcePath("Opportunity", r.opportunity), { prm_deal_registration: null }));
				}
				if (r.docstatus === 1) {
					await attempt(`cancel ${r.name}`, () => admin.ok("POST", "/api/method/frappe.client.cancel", { doctype: "Deal Registration", name: r.name }));
				}
				await attempt(`delete ${r.name}`, () => admin.ok("DELETE", resourcePath("Deal Registration", r.name)));
				if (r.opportunity) await attempt(`delete ${r.opportunity}`, () => admin.ok("DELETE", resourcePath("Opportunity", r.opportunity)));
				if (r.pricing_rule) await attempt(`delete ${r.pricing_rule}`, () => admin.ok("DELETE", resourcePath("Pricing Rule", r.pricing_rule)));
				if (r.prospect) await attempt(`delete ${r.prospect}`, () => admin.ok("DELETE", resourcePath("Prospect", r.prospect)));
			}
		}
		for (const name of state.extraDeals || []) await attempt(`delete ${name}`, () => admin.ok("DELETE", resourcePath("Deal Registration", name)));
		if (state.item) await attempt(`delete item ${state.item}`, () => admin.ok("DELETE", resourcePath("Item", state.item)));
		if (state.customer) await attempt(`delete customer ${state.customer}`, () => admin.ok("DELETE", resourcePath("Customer", state.customer)));
		if (problems.length) console.log(`# clean-up left data behind:\n# ${problems.join("\n# ")}`);
	});

	it("1. partner A registers a deal with one product and submits it for approval", { timeout: TIMEOUT }, async () => {
		const a = await openPage(state.browser, cfg, "partner A");
		state.pages.push((state.a = a));
		const { page } = a;
		await loginThroughForm(page, cfg.partnerA.user, cfg.partnerA.password);
		await openPortalPage(page, "/partner/deals");
		const register = page.locator("#prm-register");
		await register.waitFor({ state: "visible" });
		await Promise.all([page.waitForURL((u) => u.pathname === "/partner/deals/new"), register.click()]);
		await page.waitForLoadState("load");
		assertNoRawTemplate(await page.locator("body").innerText());
		assert.equal(await page.locator("#prm-currency").inputValue() !== "", true, "a currency is preselected");
		assert.ok(
			(await page.locator(`#prm-item-template`).innerHTML()).includes(`item:${state.item}`),
			"the partner's product list offers the test item",
		);

		await fillDeal(page, { customerName: state.customerName, product: `item:${state.item}`, qty: 3, rate: 1250, closeDate: isoDate(45) });
		await page.locator("#prm-notes").blur();
		assert.equal((await page.locator("#prm-total").innerText()).replace(/[^0-9]/g, ""), "375000", "the expected value adds up");
		await screenshot(page, cfg, "partner-deal-form-1280.png");
		await screenshot(page, cfg, "partner-deal-form-390.png", 390);

		// Without a close date the server refuses; the message is shown next to the form.
		await page.locator("#prm-close-date").fill("");
		const refused = page.waitForResponse((r) => isMethodCall(r, `${DEALS}.register`));
		await page.locator("#prm-save-draft").click();
		assert.ok((await refused).status() >= 400, "a registration without close date is refused");
		const error = page.locator("#prm-form-error");
		await error.waitFor({ state: "visible" });
		const errorText = await error.innerText();
		assert.match(errorText, /\S/);
		assert.doesNotMatch(errorText, /Traceback|frappe\.exceptions|File "/, "no stack trace in the message");
		assert.equal(await page.locator("#prm-submit").isDisabled(), false, "buttons are enabled again after the error");
		await screenshot(page, cfg, "partner-deal-form-error-1280.png");
		await page.locator("#prm-close-date").fill(isoDate(45));

		let registerCalls = 0;
		page.on("request", (r) => {
			if (new URL(r.url()).pathname === `/api/method/${DEALS}.register`) registerCalls += 1;
		});
		const answered = page.waitForResponse((r) => isMethodCall(r, `${DEALS}.register`));
		const navigated = page.waitForURL((u) => /^\/partner\/deals\/[^/]+$/.test(u.pathname) && u.pathname !== "/partner/deals/new", { timeout: 30000 });
		const disabled = await clickSubmit(page, "prm-submit");
		assert.deepEqual(disabled, [true, true], "both buttons are disabled while the request runs");
		const response = await answered;
		assert.equal(response.status(), 200, `register answered ${response.status()}`);
		await navigated; // the page goes to the new registration (the answer's body is gone by then)
		await page.waitForLoadState("load");
		const url = new URL(page.url());
		state.deal = decodeURIComponent(url.pathname.split("/").pop());
		assert.equal(url.searchParams.get("saved"), "submitted");
		assert.equal(registerCalls, 1, "one click, one registration (double submit prevented)");
		const saved = (await state.admin.ok("GET", resourcePath("Deal Registration", state.deal))).data;
		assert.equal(saved.customer, state.customer);
		assert.equal(saved.status, "Submitted");
		assert.deepEqual(saved.items.map((i) => [i.item_code, i.qty, i.rate]), [[state.item, 3, 1250]]);
		assert.equal(saved.contact_email, "casey.buyer@e2e-customer.example");

		assert.equal((await page.locator("#prm-deal-status").innerText()).trim(), "Submitted");
		const checks = page.locator("#prm-deal-checks tbody tr");
		assert.equal(await checks.count(), 5, "five checks are shown");
		for (const row of await checks.all()) {
			assert.equal((await row.locator(".prm-result-badge").innerText()).trim(), "Passed", await row.innerText());
		}
		const html = await page.content();
		assert.ok(!html.includes("conflicts"), "no conflicts field on the partner's page");
		assert.match(await page.locator("#prm-deal-items").innerText(), new RegExp(state.itemName));
		assert.match(await page.locator("#prm-deal-history").innerText(), /Submitted for approval/);
		assert.equal(await page.locator("#prm-action-submit").count(), 0, "no Submit button on a submitted registration");
		await screenshot(page, cfg, "partner-deal-detail-submitted-1280.png");
		assertNoPageErrors(a);
	});

	it("2. partner A finds the deal in /partner/deals as Submitted (filter and search)", { timeout: TIMEOUT }, async () => {
		assert.ok(state.deal, "needs the registration of step 1");
		const { page } = state.a;
		await openPortalPage(page, "/partner/deals");
		const row = page.locator(`#prm-deal-list tr[data-name="${state.deal}"]`);
		await row.waitFor({ state: "visible" });
		assert.match(await row.innerText(), new RegExp(state.customerName));
		assert.equal((await row.locator(".prm-status").innerText()).trim(), "Submitted");
		assert.match(await row.innerText(), /3,750/, "the value is shown formatted");
		await screenshot(page, cfg, "partner-deals-list-1280.png");
		await screenshot(page, cfg, "partner-deals-list-390.png", 390);

		// search (typed into the search box) and status filters keep each other
		await page.locator("#prm-deal-search").fill(state.customerName.slice(0, 20) + "%");
		await Promise.all([page.waitForURL((u) => u.searchParams.has("q")), page.locator("#prm-deal-search").press("Enter")]);
		assert.equal(await row.count(), 0, "a % typed in the search is a literal %, not a wildcard");
		await openPortalPage(page, `/partner/deals?q=${encodeURIComponent(state.customerName)}`);
		assert.equal(await page.locator("#prm-deal-list tbody tr").count(), 1, "search by customer name finds exactly the deal");
		await page.locator(".prm-filters a", { hasText: "Submitted" }).click();
		await page.waitForURL((u) => u.searchParams.get("status") === "Submitted" && u.searchParams.has("q"));
		await row.waitFor({ state: "visible" });
		await openPortalPage(page, `/partner/deals?status=Approved&q=${encodeURIComponent(state.customerName)}`);
		assert.equal(await row.count(), 0);
		await page.locator("#prm-deals-empty").waitFor({ state: "visible" });
		await openPortalPage(page, `/partner/deals?status=${encodeURIComponent("' OR 1=1 --")}`);
		// the search text is printed back into the page, escaped
		const injected = '"><b id="prm-injected">x</b>';
		await openPortalPage(page, `/partner/deals?q=${encodeURIComponent(injected)}`);
		assert.equal(await page.locator("#prm-injected").count(), 0, "the search text is not markup");
		assert.equal(await page.locator("#prm-deal-search").inputValue(), injected);
		assertNoPageErrors(state.a);
	});

	it("3. after the Administrator approves it, A sees Approved with a protection date", { timeout: TIMEOUT }, async () => {
		assert.ok(state.deal, "needs the registration of step 1");
		const decided = await state.admin.ok("POST", `/api/method/${DEALS}.decide`, { registration: state.deal, action: "Approve" });
		assert.equal(decided.message.status, "Approved");
		assert.ok(decided.message.protection_until, "approval sets a protection date");
		state.protectionUntil = decided.message.protection_until;

		const { page } = state.a;
		await openPortalPage(page, `/partner/deals/${state.deal}`);
		assert.equal((await page.locator("#prm-deal-status").innerText()).trim(), "Approved");
		const until = (await page.locator("#prm-protection-until").innerText()).trim();
		assert.notEqual(until, "–", "protection date shown");
		assert.ok(until.includes(state.protectionUntil.slice(0, 4)), `protection date ${until} ~ ${state.protectionUntil}`);
		const history = await page.locator("#prm-deal-history").innerText();
		assert.match(history, /Created/);
		assert.match(history, /Submitted for approval/);
		assert.match(history, /Approved/);
		await page.locator("#prm-action-extend").waitFor({ state: "visible" });
		await page.locator("#prm-action-lost").waitFor({ state: "visible" });
		await screenshot(page, cfg, "partner-deal-detail-approved-1280.png");
		await screenshot(page, cfg, "partner-deal-detail-approved-390.png", 390);

		await openPortalPage(page, "/partner/deals?status=Approved");
		await page.locator(`#prm-deal-list tr[data-name="${state.deal}"]`).waitFor({ state: "visible" });
		assertNoPageErrors(state.a);
	});

	it("4. partner B cannot see or open A's deal", { timeout: TIMEOUT }, async () => {
		assert.ok(state.deal, "needs the registration of step 1");
		const b = await openPage(state.browser, cfg, "partner B");
		state.pages.push((state.b = b));
		const { page } = b;
		await loginThroughForm(page, cfg.partnerB.user, cfg.partnerB.password);
		await openPortalPage(page, "/partner/deals");
		assert.equal(await page.locator(`#prm-deal-list tr[data-name="${state.deal}"]`).count(), 0);
		assert.ok(!(await page.content()).includes(state.customerName), "B's list does not show A's customer");
		await openPortalPage(page, `/partner/deals?q=${encodeURIComponent(state.customerName)}`);
		assert.equal(await page.locator("#prm-deal-list tbody tr").count(), 0, "B's search finds nothing of A");

		const response = await page.goto(`/partner/deals/${state.deal}`);
		assert.ok([403, 404].includes(response.status()), `B opening A's deal answers ${response.status()}`);
		const text = (await page.locator("body").innerText()).toLowerCase();
		const html = (await page.content()).toLowerCase();
		for (const secret of [state.customerName, state.customer, state.item, state.itemName, ...state.aSecrets]) {
			assert.ok(!text.includes(secret.toLowerCase()), `B's page text reveals ${secret}`);
			assert.ok(!html.includes(secret.toLowerCase()), `B's page HTML reveals ${secret}`);
		}
		// The same answer as for a registration that does not exist.
		const missing = await page.goto(`/partner/deals/DR-0000-${uniqueSuffix()}`);
		assert.equal(missing.status(), response.status(), "another partner's deal looks like a missing one");
		await screenshot(page, cfg, "partner-deal-other-partner-404-1280.png");

		const rest = await page.evaluate(async (name) => {
			const doc = await fetch(`/api/resource/Deal%20Registration/${encodeURIComponent(name)}`, { headers: { Accept: "application/json" } });
			const lost = await fetch("/api/method/prm_extension.api.deals.mark_lost", {
				method: "POST",
				headers: { Accept: "application/json", "Content-Type": "application/json", "X-Frappe-CSRF-Token": window.frappe?.csrf_token || "" },
				body: JSON.stringify({ registration: name, reason: "not mine" }),
			});
			return { doc: doc.status, docText: await doc.text(), lost: lost.status };
		}, state.deal);
		assert.ok([403, 404].includes(rest.doc), `GET Deal Registration/${state.deal} as B: ${rest.doc}`);
		assert.ok(!rest.docText.includes(state.customerName), "REST answer does not reveal the customer");
		assert.ok(rest.lost >= 400, "B cannot mark A's deal as lost");
		assertNoPageErrors(b);
	});

	it("5. B's registration of the same customer and product line is refused without naming A", { timeout: TIMEOUT }, async () => {
		assert.ok(state.deal && state.b, "needs steps 1 and 4");
		const { page } = state.b;
		await openPortalPage(page, "/partner/deals/new");
		await fillDeal(page, { customerName: state.customerName, product: `line:${state.itemGroup}`, qty: 1, rate: 900, closeDate: isoDate(30) });
		const answered = page.waitForResponse((r) => isMethodCall(r, `${DEALS}.register`));
		await page.locator("#prm-submit").click();
		const response = await answered;
		const answer = await response.text();
		assert.ok(response.status() >= 400, `B's registration must be refused (HTTP ${response.status()})`);
		const error = page.locator("#prm-form-error");
		await error.waitFor({ state: "visible" });
		const message = await error.innerText();
		assert.match(message, /Another partner registered a deal for this customer and product line first/);
		assert.doesNotMatch(message, /Traceback|frappe\.exceptions/);
		for (const secret of [...state.aSecrets, state.deal]) {
			assert.ok(!message.toLowerCase().includes(secret.toLowerCase()), `the refusal names ${secret}`);
			assert.ok(!answer.toLowerCase().includes(secret.toLowerCase()), `the refusal answer contains ${secret}`);
		}
		assert.equal(new URL(page.url()).pathname, "/partner/deals/new", "B stays on the form");
		await screenshot(page, cfg, "partner-deal-refused-1280.png");
		await screenshot(page, cfg, "partner-deal-refused-390.png", 390);
		const regs = await state.admin.ok(
			"GET",
			resourcePath("Deal Registration", null, { filters: JSON.stringify([["customer", "=", state.customer]]), limit_page_length: "0" }),
		);
		assert.deepEqual(regs.data.map((r) => r.name), [state.deal], "nothing was saved for B");
		assertNoPageErrors(state.b);
	});

	it("6. an anonymous visitor is redirected to /login", { timeout: TIMEOUT }, async () => {
		const anon = await openPage(state.browser, cfg, "anonymous");
		state.pages.push(anon);
		for (const path of ["/partner/deals", "/partner/deals/new", `/partner/deals/${state.deal || "DR-X"}`]) {
			await anon.page.goto(path);
			const url = new URL(anon.page.url());
			assert.equal(url.pathname, "/login", `${path} → ${url}`);
			assert.equal(url.searchParams.get("redirect-to"), path);
		}
		assertNoPageErrors(anon);
	});

	it("7. partner A requests an extension and marks the deal as lost", { timeout: TIMEOUT }, async (t) => {
		assert.ok(state.deal, "needs the registration of step 1");
		const { page, log } = state.a;
		await openPortalPage(page, `/partner/deals/${state.deal}`);
		let asked = null;
		log.onDialog = async (d) => {
			asked = `${d.type()}: ${d.message()}`;
			await d.accept("Customer board meeting moved to next quarter");
		};
		const extended = page.waitForResponse((r) => isMethodCall(r, `${DEALS}.request_extension`));
		await page.locator("#prm-action-extend").click();
		const extension = await extended;
		assert.match(asked || "", /^prompt: /, "the extension asks for a reason");
		if (extension.status() === 200) {
			await page.waitForLoadState("load");
			await page.locator("#prm-deal-history", { hasText: "Protection extended" }).waitFor({ state: "visible" });
		} else {
			// the partner's tier may allow no extension: the refusal is shown, as text
			const error = page.locator("#prm-action-error");
			await error.waitFor({ state: "visible" });
			t.diagnostic(`extension refused: ${await error.innerText()}`);
			assert.doesNotMatch(await error.innerText(), /Traceback|frappe\.exceptions/);
		}

		await openPortalPage(page, `/partner/deals/${state.deal}`);
		log.onDialog = async (d) => d.accept("Customer chose a competitor");
		const lost = page.waitForResponse((r) => isMethodCall(r, `${DEALS}.mark_lost`));
		const reloaded = page.waitForEvent("load", { timeout: 30000 });
		await page.locator("#prm-action-lost").click();
		assert.equal((await lost).status(), 200);
		await reloaded;
		assert.equal((await page.locator("#prm-deal-status").innerText()).trim(), "Lost");
		assert.match(await page.locator("#prm-deal-history").innerText(), /Lost[\s\S]*Customer chose a competitor/);
		assert.equal(await page.locator(".prm-action").count(), 0, "no actions on a lost deal");
		await screenshot(page, cfg, "partner-deal-detail-lost-1280.png");
		assertNoPageErrors(state.a);
	});

	it("8. partner A saves a draft for a new prospect, then submits it from the detail page", { timeout: TIMEOUT }, async () => {
		assert.ok(state.a, "needs partner A's session of step 1");
		const { page } = state.a;
		await openPortalPage(page, "/partner/deals/new");
		// markup in a name is shown as text, never rendered (Frappe may strip or escape parts of it)
		state.prospectName = `E2E Prospect ${uniqueSuffix()} <img src=x id=prm-xss onerror="window.prmXss=1">Ltd`;
		await page.locator('input[name=customer_kind][value="prospect"]').check();
		await page.locator("#prm-prospect-name").fill(state.prospectName);
		await page.locator("#prm-prospect-domain").fill(`${state.prospectName.split(" ")[2].toLowerCase()}.e2e-prospect.example`);
		assert.equal(await page.locator("#prm-territory").inputValue(), state.partnerA.territories[0]?.territory || "", "the partner's territory is preselected");
		if (!(await page.locator("#prm-territory").inputValue())) await page.locator("#prm-territory").selectOption(state.territory);
		await page.locator("#prm-close-date").fill(isoDate(60));
		await page.locator("#prm-items .prm-item-product").first().selectOption(`line:${state.itemGroup}`);
		await page.locator("#prm-items .prm-item-qty").first().fill("2");
		await page.locator("#prm-items .prm-item-rate").first().fill("500");
		const navigated = page.waitForURL((u) => u.searchParams.get("saved") === "draft", { timeout: 30000 });
		await page.locator("#prm-save-draft").click();
		await navigated;
		await page.waitForLoadState("load");
		const name = decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
		state.extraDeals = [name];
		assert.equal((await page.locator("#prm-deal-status").innerText()).trim(), "Draft");
		assert.match(await page.locator("h1").innerText(), new RegExp(state.prospectName.split(" <")[0]));
		assert.equal(await page.locator("#prm-xss, h1 img, .breadcrumb img").count(), 0, "no markup from the name");
		assert.equal(await page.evaluate(() => window.prmXss), undefined);
		const reloaded = page.waitForURL((u) => u.searchParams.get("saved") === "submitted", { timeout: 30000 });
		await page.locator("#prm-action-submit").click();
		await reloaded;
		await page.waitForLoadState("load");
		assert.equal((await page.locator("#prm-deal-status").innerText()).trim(), "Submitted");
		assert.equal(await page.locator("#prm-action-submit").count(), 0);
		await openPortalPage(page, `/partner/deals?q=${encodeURIComponent(state.prospectName.split(" <")[0])}`);
		await page.locator(`#prm-deal-list tr[data-name="${name}"]`, { hasText: "new prospect" }).waitFor({ state: "visible" });
		assert.equal(await page.locator("#prm-xss").count(), 0, "no markup from the name in the list");
		assertNoPageErrors(state.a);
	});

	it("no uncaught page errors; console errors reported", async (t) => {
		const pageErrors = state.pages.flatMap((p) => p.log.pageErrors);
		for (const p of state.pages) {
			for (const line of p.log.consoleErrors) t.diagnostic(`console error: ${line}`);
			for (const line of p.log.dialogs) t.diagnostic(`dialog: ${p.log.label}: ${line}`);
		}
		assert.deepEqual(pageErrors, []);
	});
});
