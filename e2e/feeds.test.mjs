// End-to-end test of the partner portal's sell-through page (/partner/feeds) (see README.md).
//
// Partner A uploads a CSV with a bad line: the page shows the line-numbered errors and nothing is
// imported. A fixes the file and sends it: the lines are imported (one with an item nobody knows
// is flagged); sending it again imports nothing (duplicates). B sees none of A's reports, not even
// by name over REST. A's reports are deleted afterwards (Administrator, REST).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SiteClient, config, isMethodCall, launchBrowser, loginThroughForm, openPage, partnerOf, resourcePath, screenshot, uniqueSuffix } from "./lib.mjs";

const cfg = config();
const TIMEOUT = 90_000;
const state = { pages: [], reports: [] };

async function signIn(browser, who, label) {
	const entry = await openPage(browser, cfg, label);
	state.pages.push(entry);
	await loginThroughForm(entry.page, who.user, who.password);
	return entry;
}

function today(offset = 0) {
	const d = new Date(Date.now() - 86400000 * (2 + offset));
	return d.toISOString().slice(0, 10);
}

async function send(page, name, text) {
	await page.locator("#prm-feed-file").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(text, "utf8") });
	const answered = page.waitForResponse((r) => isMethodCall(r, "prm_extension.api.feeds.submit_report"));
	await page.locator("#prm-feed-send").click();
	const response = await answered;
	const body = await response.json();
	if (body.message && body.message.name) state.reports.push(body.message.name);
	await page.locator("#prm-feed-result:not([hidden])").waitFor();
	return { status: response.status(), message: body.message, text: await page.locator("#prm-feed-result").innerText() };
}

describe("partner portal sell-through feeds", { timeout: 10 * TIMEOUT }, () => {
	before(async () => {
		state.admin = await SiteClient.admin(cfg);
		state.A = await partnerOf(state.admin, cfg.partnerA.user);
		state.suffix = uniqueSuffix();
		state.browser = await launchBrowser(cfg);
	});

	after(async () => {
		for (const { context, log } of state.pages) {
			for (const line of [...log.consoleErrors, ...log.dialogs]) console.log(`# ${line}`);
			await context.close();
		}
		if (state.browser) await state.browser.close();
		if (cfg.keepData) return;
		// newest first: a replay links to the report it repeats
		for (const name of [...state.reports].reverse()) await state.admin.call("DELETE", resourcePath("Sell-Through Report", name));
	});

	it("A's file with a bad line is rejected whole, with the line numbers", async () => {
		const a = (state.a = await signIn(state.browser, cfg.partnerA, "A"));
		const { page } = a;
		const response = await page.goto("/partner/feeds");
		assert.equal(response.status(), 200);
		await screenshot(page, cfg, "partner-feeds-1280.png");
		await screenshot(page, cfg, "partner-feeds-390.png", 390);
		const bad = `date,sku,qty,amount,customer,reference\n${today()},E2E-${state.suffix},2,200.00,Acme,R1\n27/11/2026,E2E-${state.suffix},1,100.00,Acme,R2\n`;
		const r = await send(page, "bad.csv", bad);
		assert.equal(r.message.status, "Rejected");
		assert.match(r.text, /Line 3/);
		assert.match(r.text, /YYYY-MM-DD/);
		await screenshot(page, cfg, "partner-feeds-rejected-1280.png");
	});

	it("A sends the corrected file: imported, the unknown item flagged; sent again: only duplicates", async () => {
		const { page, log } = state.a;
		const good = `date,sku,qty,amount,customer,reference\n${today()},E2E-${state.suffix},2,200.00,Acme,R1\n${today(1)},E2E-${state.suffix},1,100.00,Acme,R2\n`;
		let r = await send(page, "good.csv", good);
		assert.equal(r.message.status, "Imported", r.text);
		assert.equal(r.message.imported, 2);
		assert.equal(r.message.unmapped_items, 2, "an item nobody knows is flagged, not guessed");
		assert.match(r.text, /2 of 2 lines imported/);
		assert.match(r.text, /unknown item/);
		r = await send(page, "good-again.csv", good);
		assert.equal(r.message.imported, 0);
		assert.equal(r.message.duplicates, 2);
		assert.match(r.text, /0 of 2 lines imported, 2 duplicates ignored/);
		await page.goto("/partner/feeds");
		for (const name of state.reports) assert.ok(await page.locator(`#prm-feed-list li[data-name="${name}"]`).count(), `${name} is listed`);
		await screenshot(page, cfg, "partner-feeds-list-1280.png");
		assert.deepEqual(log.pageErrors, []);
	});

	it("B sees none of A's reports", async () => {
		const { page } = await signIn(state.browser, cfg.partnerB, "B");
		await page.goto("/partner/feeds");
		for (const name of state.reports) {
			assert.equal(await page.locator(`li[data-name="${name}"]`).count(), 0);
			const rest = await page.evaluate(async (url) => (await fetch(url, { headers: { Accept: "application/json" } })).status, resourcePath("Sell-Through Report", name));
			assert.ok([403, 404].includes(rest), `REST read of ${name} answers ${rest}`);
			const status = await page.evaluate(
				async (n) => (await fetch(`/api/method/prm_extension.api.feeds.report_status?report=${encodeURIComponent(n)}`)).status,
				name,
			);
			assert.equal(status, 404);
		}
	});
});
