// End-to-end test of the partner portal page /partner/accounts (see README.md for set-up).
//
// Partner A reserves a fresh customer through the page, partner B sees it as reserved by another
// partner without learning who holds it, B cannot read A's reservation over REST, a visitor is sent
// to /login, and A releases the reservation. The customer is created for the run (Administrator,
// REST) and removed afterwards with its reservations.
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
} from "./lib.mjs";

const cfg = config();
const TIMEOUT = 90_000;
const state = { pages: [] };

/** Is `response` the answer to a frappe.call of prm_extension.api.accounts.<method>? */
const isCall = (response, method) => isMethodCall(response, `prm_extension.api.accounts.${method}`);

/** Type `text` into the search box and wait for the verdict naming `customerName`. */
async function checkAccount(page, text, customerName) {
	const input = page.locator("#prm-query");
	await input.fill("");
	const answered = page.waitForResponse(
		(r) =>
			isCall(r, "check_availability") &&
			new URL(r.url()).searchParams.get("query") === text,
	);
	await input.pressSequentially(text, { delay: 15 });
	const response = await answered;
	const verdict = page.locator("#prm-result .prm-verdict[data-status]", { hasText: customerName });
	await verdict.first().waitFor({ state: "visible", timeout: 15000 });
	// The last keystroke's answer is the one shown (the script drops stale answers).
	await page.waitForTimeout(400);
	return { verdict: verdict.first(), response };
}

async function openAccountsPage(page) {
	const script = page.waitForResponse((r) => r.url().endsWith("/assets/prm_extension/js/partner_accounts.js"));
	const response = await page.goto("/partner/accounts");
	assert.equal(response.status(), 200, "/partner/accounts should answer 200");
	assert.equal((await script).status(), 200, "partner_accounts.js should be served (bench build --app prm_extension)");
	const text = await page.locator("body").innerText();
	assert.doesNotMatch(text, /\{\{|\{%|%\}|\}\}/, "no raw template code on the page");
}

/** A partner limited to product lines chooses one in #prm-product-line; others have no such field. */
async function chooseProductLine(page, partner) {
	const select = page.locator("#prm-product-line");
	if (!partner.product_lines.length) {
		assert.equal(await select.count(), 0, `${partner.name} covers all product lines: no product-line field`);
		return;
	}
	assert.equal(await select.count(), 1, `${partner.name} is limited to product lines: the form offers them`);
	await select.selectOption(state.productLine);
}

function assertNoPageErrors(entry) {
	assert.deepEqual(entry.log.pageErrors, [], `uncaught page errors in ${entry.log.label}`);
}

describe("partner portal /partner/accounts", { timeout: 10 * TIMEOUT }, () => {
	before(async () => {
		const admin = (state.admin = await SiteClient.admin(cfg));
		state.partnerA = await partnerOf(admin, cfg.partnerA.user);
		state.partnerB = await partnerOf(admin, cfg.partnerB.user);
		const { partnerA: A, partnerB: B } = state;
		assert.notEqual(A.name, B.name, "partners A and B must be different channel partners");
		for (const p of [A, B]) assert.equal(p.status, "Active", `${p.name} must be an Active partner`);
		// Partners limited to product lines reserve per line (a select on the page): use a line both
		// choose in their own select, i.e. one listed by both (or by one, if the other covers all).
		const groups = await treeOf(admin, "Item Group");
		const aLines = A.product_lines.map((l) => l.item_group);
		const bLines = B.product_lines.map((l) => l.item_group);
		if (aLines.length || bLines.length) {
			const pool = aLines.length ? aLines : bLines;
			state.productLine = pool.find((l) => (!aLines.length || aLines.includes(l)) && (!bLines.length || bLines.includes(l)));
			assert.ok(state.productLine && groups.has(state.productLine), "partners A and B must share a product line (or one must cover all)");
		}
		const tree = await treeOf(admin, "Territory");
		const aTerritories = A.territories.map((t) => t.territory);
		const bTerritories = B.territories.map((t) => t.territory);
		const territory = cfg.territory || aTerritories[0] || bTerritories[0] || "All Territories";
		assert.ok(covers(tree, aTerritories, territory), `partner A must cover territory ${territory}`);
		assert.ok(covers(tree, bTerritories, territory), `partner B must cover territory ${territory}`);
		const group =
			cfg.customerGroup ||
			(
				await admin.ok(
					"GET",
					resourcePath("Customer Group", null, { filters: JSON.stringify([["is_group", "=", 0]]), limit_page_length: "1" }),
				)
			).data[0].name;

		const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();
		state.customerName = `E2E Portal Check ${suffix}`;
		const created = await admin.ok("POST", resourcePath("Customer"), {
			customer_name: state.customerName,
			customer_type: "Company",
			customer_group: group,
			territory,
		});
		state.customer = created.data.name;
		state.territory = territory;
		// Secrets of partner A that B must never see.
		state.aSecrets = [
			A.name,
			A.partner_name,
			...A.members.flatMap((m) => [m.user, m.email]),
		].filter(Boolean);
		state.browser = await launchBrowser(cfg);
	});

	after(async () => {
		for (const entry of state.pages) await entry.context.close().catch(() => {});
		await state.browser?.close();
		if (state.customer && !cfg.keepData) {
			const admin = state.admin;
			const rows = await admin.ok(
				"GET",
				resourcePath("Account Reservation", null, {
					filters: JSON.stringify([["customer", "=", state.customer]]),
					limit_page_length: "0",
				}),
			);
			for (const r of rows.data) await admin.ok("DELETE", resourcePath("Account Reservation", r.name));
			await admin.ok("DELETE", resourcePath("Customer", state.customer));
		}
	});

	it("1. partner A sees an open account, reserves it, and finds it in the list", { timeout: TIMEOUT }, async () => {
		const a = await openPage(state.browser, cfg, "partner A");
		state.pages.push((state.a = a));
		const { page } = a;
		await loginThroughForm(page, cfg.partnerA.user, cfg.partnerA.password);
		await openAccountsPage(page);
		await chooseProductLine(page, state.partnerA);

		const { verdict } = await checkAccount(page, state.customerName, state.customerName);
		assert.equal(await verdict.getAttribute("data-status"), "open");
		const reserve = verdict.locator(".prm-reserve");
		await reserve.waitFor({ state: "visible" });
		await screenshot(page, cfg, "partner-accounts-open-verdict-1280.png");
		await screenshot(page, cfg, "partner-accounts-open-verdict-390.png", 390);

		const reserved = page.waitForResponse((r) => isCall(r, "reserve"));
		const reloaded = page.waitForEvent("load", { timeout: 20000 });
		await reserve.click();
		const body = await (await reserved).json();
		assert.equal(body.message?.ok, true, `reserve should succeed: ${JSON.stringify(body)}`);
		state.reservation = body.message.reservation;
		assert.match(state.reservation, /\S/);
		await reloaded;

		const row = page.locator(`#prm-reservations tr[data-name="${state.reservation}"]`);
		await row.waitFor({ state: "visible" });
		assert.match(await row.innerText(), new RegExp(state.customerName));
		const status = (await row.locator(".prm-status").innerText()).trim();
		assert.ok(["Active", "Requested"].includes(status), `status shown: ${status}`);
		await row.locator(".prm-release").waitFor({ state: "visible" });
		await screenshot(page, cfg, "partner-accounts-reserved-list-1280.png");
		await screenshot(page, cfg, "partner-accounts-reserved-list-390.png", 390);
		assertNoPageErrors(a);
	});

	it("2. partner A searching the same account again sees reserved_by_you", { timeout: TIMEOUT }, async () => {
		assert.ok(state.reservation, "needs the reservation of step 1");
		const { page } = state.a;
		const { verdict, response } = await checkAccount(page, state.customerName, state.customerName);
		assert.equal(await verdict.getAttribute("data-status"), "reserved_by_you");
		assert.equal(await verdict.locator(".prm-reserve").count(), 0, "no Reserve button on an account A holds");
		assert.equal((await response.json()).message.reservation, state.reservation);
		assertNoPageErrors(state.a);
	});

	it("3. partner B sees reserved_by_other, and nothing that identifies A", { timeout: TIMEOUT }, async () => {
		assert.ok(state.reservation, "needs the reservation of step 1");
		const b = await openPage(state.browser, cfg, "partner B");
		state.pages.push((state.b = b));
		const { page } = b;
		await loginThroughForm(page, cfg.partnerB.user, cfg.partnerB.password);
		await openAccountsPage(page);
		await chooseProductLine(page, state.partnerB);

		const { verdict, response } = await checkAccount(page, state.customerName, state.customerName);
		assert.equal(await verdict.getAttribute("data-status"), "reserved_by_other");
		assert.equal(await page.locator("#prm-result .prm-reserve").count(), 0, "no Reserve button for B");
		assert.equal(await page.locator(`#prm-reservations tr[data-name="${state.reservation}"]`).count(), 0);

		const answer = await response.text();
		const text = await page.locator("body").innerText();
		const html = await page.content();
		for (const secret of [...state.aSecrets, state.reservation]) {
			const needle = secret.toLowerCase();
			assert.ok(!text.toLowerCase().includes(needle), `B's page text reveals ${secret}`);
			assert.ok(!html.toLowerCase().includes(needle), `B's page HTML reveals ${secret}`);
			assert.ok(!answer.toLowerCase().includes(needle), `B's availability answer reveals ${secret}`);
		}
		await screenshot(page, cfg, "partner-accounts-reserved-by-other-1280.png");
		await screenshot(page, cfg, "partner-accounts-reserved-by-other-390.png", 390);
		assertNoPageErrors(b);
	});

	it("4. partner B cannot read or release A's reservation over REST", { timeout: TIMEOUT }, async () => {
		assert.ok(state.reservation && state.b, "needs steps 1 and 3");
		const result = await state.b.page.evaluate(async (name) => {
			const doc = await fetch(`/api/resource/Account%20Reservation/${encodeURIComponent(name)}`, {
				headers: { Accept: "application/json" },
			});
			const list = await fetch(
				`/api/resource/Account%20Reservation?filters=${encodeURIComponent(JSON.stringify([["name", "=", name]]))}`,
				{ headers: { Accept: "application/json" } },
			);
			const release = await fetch("/api/method/prm_extension.api.accounts.release", {
				method: "POST",
				headers: {
					Accept: "application/json",
					"Content-Type": "application/json",
					"X-Frappe-CSRF-Token": window.frappe?.csrf_token || "",
				},
				body: JSON.stringify({ reservation: name }),
			});
			return {
				doc: { status: doc.status, text: await doc.text() },
				list: { status: list.status, json: await list.json() },
				release: { status: release.status, text: await release.text() },
			};
		}, state.reservation);
		assert.equal(result.doc.status, 403, `GET Account Reservation/${state.reservation} as B: ${result.doc.text.slice(0, 300)}`);
		assert.equal(result.list.status, 200);
		assert.deepEqual(result.list.json.data, [], "B's list of reservations must not include A's");
		assert.ok(result.release.status >= 400, `B's release of A's reservation must fail (HTTP ${result.release.status})`);
		for (const secret of state.aSecrets) {
			assert.ok(!result.doc.text.toLowerCase().includes(secret.toLowerCase()), `403 body reveals ${secret}`);
		}
		const still = (await state.admin.ok("GET", resourcePath("Account Reservation", state.reservation))).data;
		assert.ok(["Active", "Requested"].includes(still.status), `A's reservation still live, is ${still.status}`);
	});

	it("5. an anonymous visitor is redirected to /login", { timeout: TIMEOUT }, async () => {
		const anon = await openPage(state.browser, cfg, "anonymous");
		state.pages.push(anon);
		const response = await anon.page.goto("/partner/accounts");
		const url = new URL(anon.page.url());
		assert.equal(url.pathname, "/login");
		assert.equal(url.searchParams.get("redirect-to"), "/partner/accounts");
		const first = response.request().redirectedFrom();
		assert.ok(first, "the portal URL should answer with a redirect");
		assert.equal(new URL(first.url()).pathname, "/partner/accounts");
		assert.ok([301, 302, 303, 307].includes((await first.response()).status()));
		await anon.page.locator("#login_email").waitFor({ state: "visible" });
		assertNoPageErrors(anon);
	});

	it("6. partner A releases the reservation", { timeout: TIMEOUT }, async () => {
		assert.ok(state.reservation, "needs the reservation of step 1");
		const { page, log } = state.a;
		await openAccountsPage(page);
		const row = page.locator(`#prm-reservations tr[data-name="${state.reservation}"]`);
		let confirmText = null;
		log.onDialog = async (d) => {
			confirmText = `${d.type()}: ${d.message()}`;
			await d.accept();
		};
		const released = page.waitForResponse((r) => isCall(r, "release"));
		const reloaded = page.waitForEvent("load", { timeout: 20000 });
		await row.locator(".prm-release").click();
		assert.equal((await released).status(), 200);
		await reloaded;
		assert.match(confirmText || "", /^confirm: /, "Release asks for confirmation");
		await row.waitFor({ state: "visible" });
		assert.equal((await row.locator(".prm-status").innerText()).trim(), "Released");
		assert.equal(await row.locator(".prm-release, .prm-extend").count(), 0, "no actions on a released reservation");
		await screenshot(page, cfg, "partner-accounts-released-1280.png");
		const doc = (await state.admin.ok("GET", resourcePath("Account Reservation", state.reservation))).data;
		assert.equal(doc.status, "Released");
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
