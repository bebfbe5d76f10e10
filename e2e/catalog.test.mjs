// End-to-end test of the partner portal's Products & pricing (/partner/products) and Promotions
// (/partner/promotions) pages (see README.md for set-up).
//
// The Administrator gives partner A its own selling price list with a partner price for one of A's
// products (beside the standard list price), attaches a public PDF datasheet to the item and
// creates a promotional Pricing Rule for A's Sales Partner (REST). A finds the product by search,
// sees its price, the list price and the discount, downloads the datasheet, registers a deal from
// the product page (the form opens with the product chosen) and sees the promotion. B sees neither
// A's price nor A's promotion. Everything created is removed afterwards.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SiteClient, config, covers, launchBrowser, loginThroughForm, openPage, partnerOf, resourcePath, screenshot, treeOf, uniqueSuffix } from "./lib.mjs";

const cfg = config();
const TIMEOUT = 90_000;
const state = { pages: [], cleanup: [] };
// A one-page PDF (pypdf), so the site's PDF check accepts the upload.
const BLANK_PDF =
	"JVBERi0xLjMKJeLjz9MKMSAwIG9iago8PAovUHJvZHVjZXIgKHB5cGRmKQo+PgplbmRvYmoKMiAwIG9iago8PAovVHlwZSAvUGFnZXMKL0NvdW50IDEKL0tpZHMgWyA0IDAgUiBdCj4+CmVuZG9iagozIDAgb2JqCjw8Ci9UeXBlIC9DYXRhbG9nCi9QYWdlcyAyIDAgUgo+PgplbmRvYmoKNCAwIG9iago8PAovVHlwZSAvUGFnZQovUmVzb3VyY2VzIDw8Cj4+Ci9NZWRpYUJveCBbIDAuMCAwLjAgMjAwIDIwMCBdCi9QYXJlbnQgMiAwIFIKPj4KZW5kb2JqCnhyZWYKMCA1CjAwMDAwMDAwMDAgNjU1MzUgZiAKMDAwMDAwMDAxNSAwMDAwMCBuIAowMDAwMDAwMDU0IDAwMDAwIG4gCjAwMDAwMDAxMTMgMDAwMDAgbiAKMDAwMDAwMDE2MiAwMDAwMCBuIAp0cmFpbGVyCjw8Ci9TaXplIDUKL1Jvb3QgMyAwIFIKL0luZm8gMSAwIFIKPj4Kc3RhcnR4cmVmCjI1NgolJUVPRgo=";

async function signIn(browser, who, label) {
	const entry = await openPage(browser, cfg, label);
	state.pages.push(entry);
	await loginThroughForm(entry.page, who.user, who.password);
	return entry;
}

/** An enabled, sellable item of A's product lines (any, when A is not restricted). */
async function itemOf(admin, partner) {
	const tree = await treeOf(admin, "Item Group");
	const lines = (partner.product_lines || []).map((r) => r.item_group);
	const items = await admin.ok(
		"GET",
		resourcePath("Item", null, {
			filters: JSON.stringify([["disabled", "=", 0], ["is_sales_item", "=", 1], ["has_variants", "=", 0]]),
			fields: JSON.stringify(["name", "item_name", "item_group", "stock_uom"]),
			limit_page_length: "500",
		}),
	);
	const covered = (group) => !lines.length || covers(tree, lines, group);
	const mine = items.data.filter((i) => covered(i.item_group));
	return { item: mine[0], covered };
}

/** A non-stock item made for the run in a leaf product line of the partner. */
async function makeItem(admin, partner, suffix) {
	const { covered } = await itemOf(admin, partner);
	const groups = await admin.ok("GET", resourcePath("Item Group", null, { filters: JSON.stringify([["is_group", "=", 0]]), fields: JSON.stringify(["name"]), limit_page_length: "500" }));
	const group = groups.data.map((g) => g.name).find(covered);
	if (!group) throw new Error(`no leaf product line in ${partner.name}'s lines`);
	const code = `E2E-CAT-${suffix}`;
	const doc = await admin.ok("POST", resourcePath("Item"), { item_code: code, item_name: `E2E Catalog ${suffix}`, item_group: group, stock_uom: "Nos", is_stock_item: 0, is_sales_item: 1, description: "<p>Rack server for the e2e catalog test.</p>" });
	return doc.data;
}

describe("partner portal products and promotions", { timeout: 10 * TIMEOUT }, () => {
	before(async () => {
		const admin = (state.admin = await SiteClient.admin(cfg));
		state.A = await partnerOf(admin, cfg.partnerA.user);
		state.B = await partnerOf(admin, cfg.partnerB.user);
		const suffix = uniqueSuffix();
		const item = (state.item = await makeItem(admin, state.A, suffix));
		state.cleanup.push(["Item", item.name]);
		const standard = (await admin.ok("GET", resourcePath("Selling Settings", "Selling Settings"))).data.selling_price_list;
		assert.ok(standard, "Selling Settings needs a standard selling price list");
		state.standard = standard;
		const currency = (await admin.ok("GET", resourcePath("Price List", standard))).data.currency;
		state.priceList = (await admin.ok("POST", resourcePath("Price List"), { price_list_name: `E2E Partner ${suffix}`, selling: 1, enabled: 1, currency })).data.name;
		state.cleanup.push(["Price List", state.priceList]);
		// prices: the standard list price (kept if the item already has one) and A's price at 80 % of it
		const existing = await admin.ok("GET", resourcePath("Item Price", null, { filters: JSON.stringify([["item_code", "=", item.name], ["price_list", "=", standard], ["uom", "=", item.stock_uom]]), fields: JSON.stringify(["name", "price_list_rate", "customer", "valid_upto"]) }));
		let listRate = existing.data.find((p) => !p.customer && !p.valid_upto)?.price_list_rate;
		if (!listRate) {
			listRate = 1250;
			const p = await admin.ok("POST", resourcePath("Item Price"), { item_code: item.name, price_list: standard, price_list_rate: listRate, uom: item.stock_uom });
			state.cleanup.push(["Item Price", p.data.name]);
		}
		state.listRate = listRate;
		state.partnerRate = Math.round(listRate * 0.8 * 100) / 100;
		const own = await admin.ok("POST", resourcePath("Item Price"), { item_code: item.name, price_list: state.priceList, price_list_rate: state.partnerRate, uom: item.stock_uom });
		state.cleanup.push(["Item Price", own.data.name]);
		await admin.ok("PUT", resourcePath("Channel Partner", state.A.name), { price_list: state.priceList });
		state.datasheet = `e2e-datasheet-${suffix.toLowerCase()}.pdf`;
		const file = await admin.ok("POST", resourcePath("File"), { file_name: state.datasheet, content: BLANK_PDF, decode: 1, is_private: 0, attached_to_doctype: "Item", attached_to_name: item.name });
		state.cleanup.push(["File", file.data.name]);
		const rule = await admin.ok("POST", resourcePath("Pricing Rule"), {
			title: `E2E promo ${suffix}`,
			apply_on: "Item Code",
			items: [{ item_code: item.name }],
			selling: 1,
			applicable_for: "Sales Partner",
			sales_partner: state.A.sales_partner,
			rate_or_discount: "Discount Percentage",
			discount_percentage: 7,
			min_qty: 3,
			company: (await admin.ok("GET", "/api/method/frappe.client.get_value?doctype=Global%20Defaults&fieldname=default_company&filters=Global%20Defaults")).message.default_company,
		});
		state.rule = rule.data.name;
		state.cleanup.push(["Pricing Rule", state.rule]);
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
		if (state.A) await admin.call("PUT", resourcePath("Channel Partner", state.A.name), { price_list: state.A.price_list || null });
		for (const [doctype, name] of state.cleanup.reverse()) await admin.call("DELETE", resourcePath(doctype, name));
	});

	it("A finds its product with its price, the list price, the discount and the datasheet", async () => {
		const a = (state.a = await signIn(state.browser, cfg.partnerA, "A"));
		const { page, log } = a;
		const response = await page.goto("/partner/products");
		assert.equal(response.status(), 200);
		assert.match(await page.locator("#prm-price-list").innerText(), new RegExp(state.priceList));
		await screenshot(page, cfg, "partner-products-1280.png");
		await screenshot(page, cfg, "partner-products-390.png", 390);
		await page.locator("#prm-product-search").fill(state.item.name);
		await Promise.all([page.waitForURL(/\/partner\/products\?q=/), page.locator("form.prm-search button[type=submit]").click()]);
		const card = page.locator(`#prm-product-list li[data-item="${state.item.name}"]`);
		await card.waitFor();
		const text = await card.innerText();
		assert.match(text, /−20 %/, "20 % off the list price");
		assert.ok(await card.locator(".prm-your-price").count(), "A's own price is shown");
		assert.ok(await card.locator(".prm-datasheet", { hasText: state.datasheet }).count(), "the datasheet is listed");
		await Promise.all([page.waitForURL(new RegExp(`/partner/products/`)), card.locator(".prm-product-link").click()]);
		assert.equal(await page.locator("#prm-prices tbody tr").first().locator("td").last().innerText(), "20 %");
		const href = await page.locator("#prm-datasheets a", { hasText: state.datasheet }).getAttribute("href");
		const download = await page.evaluate(async (url) => (await fetch(url)).status, href);
		assert.equal(download, 200, "the datasheet downloads");
		await screenshot(page, cfg, "partner-product-1280.png");
		await screenshot(page, cfg, "partner-product-390.png", 390);
		await Promise.all([page.waitForURL(/\/partner\/deals\/new\?item=/), page.locator("#prm-register-product").click()]);
		await page.locator(".prm-item-row select").first().waitFor();
		assert.equal(await page.locator(".prm-item-row select").first().inputValue(), `item:${state.item.name}`, "the deal form opens with the product chosen");
		assert.deepEqual(log.pageErrors, []);
	});

	it("A sees the promotion for its Sales Partner and the programs open to it", async () => {
		const { page } = state.a;
		const response = await page.goto("/partner/promotions");
		assert.equal(response.status(), 200);
		const offer = page.locator(`#prm-promo-offers li[data-rule="${state.rule}"]`);
		await offer.waitFor();
		assert.match(await offer.innerText(), /7 % off/);
		assert.match(await offer.innerText(), /3 units/);
		const text = await page.locator("body").innerText();
		assert.doesNotMatch(text, /\{\{|\{%|%\}|\}\}/);
		await screenshot(page, cfg, "partner-promotions-1280.png");
		await screenshot(page, cfg, "partner-promotions-390.png", 390);
	});

	it("B sees neither A's price nor A's promotion", async () => {
		const b = await signIn(state.browser, cfg.partnerB, "B");
		const { page } = b;
		const { covered } = await itemOf(state.admin, state.B);
		const detail = await page.goto(`/partner/products/${encodeURIComponent(state.item.name)}`);
		if (covered(state.item.item_group)) {
			assert.equal(detail.status(), 200);
			assert.ok(!(await page.content()).includes(state.priceList), "B is not shown A's price list");
			assert.doesNotMatch(await page.locator("#prm-prices").innerText(), /20 %/);
		} else {
			assert.equal(detail.status(), 404, "a product outside B's lines answers 404");
		}
		await page.goto("/partner/promotions");
		assert.equal(await page.locator(`li[data-rule="${state.rule}"]`).count(), 0);
		assert.ok(!(await page.content()).includes("E2E promo"));
	});
});
