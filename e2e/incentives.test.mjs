// End-to-end test of the partner portal incentive pages (see README.md for set-up):
// /partner/incentives (balances, programs, MDF requests, claims), /partner/incentives/new-mdf,
// /partner/incentives/new-claim and /partner/incentives/<name> (one request or claim).
//
// The Administrator creates an Active MDF / co-op program (50 % of the actual cost, proof required,
// no pre-approval required) and allocates 3,000 to partner A, plus a registered-deal bonus program
// with an allocation. A sees its balance, requests MDF (1,000 of 2,000 estimated); the
// Administrator approves 900 over REST; A sees Approved and 900 committed; A claims 50 % of a
// 1,600 actual cost (800) with an uploaded proof file; a claim over the balance is refused with
// the server's message; the Administrator approves the claim; A sees Approved and never the
// payout document. Partner B sees nothing of A (lists, URLs, REST, A's proof file). The programs,
// allocations, requests and claims are cancelled or removed at the end.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
	SiteClient,
	config,
	isMethodCall,
	launchBrowser,
	loginThroughForm,
	openPage,
	partnerOf,
	resourcePath,
	screenshot,
	uniqueSuffix,
} from "./lib.mjs";

const cfg = config();
const TIMEOUT = 120_000;
const state = { pages: [], programs: [], allocations: [] };
const API = "prm_extension.api.incentives";
const SHOT = "partner-incentives";

function assertNoPageErrors(entry) {
	assert.deepEqual(entry.log.pageErrors, [], `uncaught page errors in ${entry.log.label}`);
}

function assertNoRawTemplate(text) {
	assert.doesNotMatch(text, /\{\{|\{%|%\}|\}\}/, "no raw template code on the page");
}

function assertNoTraceback(text) {
	assert.doesNotMatch(text, /Traceback|frappe\.exceptions|File "/, "no stack trace in the message");
}

/** Open a portal page, check the answer and that partner_incentives.js is served. */
async function openPortalPage(page, path) {
	const script = page.waitForResponse((r) => r.url().endsWith("/assets/prm_extension/js/partner_incentives.js"), { timeout: 30000 });
	const response = await page.goto(path);
	assert.equal(response.status(), 200, `${path} should answer 200`);
	assert.equal((await script).status(), 200, "partner_incentives.js should be served (bench build --app prm_extension)");
	assertNoRawTemplate(await page.locator("body").innerText());
	return response;
}

/** Today + `days` as YYYY-MM-DD. */
function isoDate(days) {
	return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
}

/** "3,000.00" out of a formatted amount such as "$ 3,000.00". */
const figure = (text) => (text.match(/[\d.,]+\d/) || [""])[0];

/** A small valid PDF whose page text carries a marker (so a download can be recognised; Frappe
 * parses uploaded PDFs). */
function pdf(marker) {
	const content = `BT /F1 12 Tf 20 50 Td (${marker}) Tj ET`;
	const objects = [
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		`<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	];
	let out = "%PDF-1.4\n";
	const offsets = objects.map((body, i) => {
		const at = out.length;
		out += `${i + 1} 0 obj\n${body}\nendobj\n`;
		return at;
	});
	const xref = out.length;
	out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
	out += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
	out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
	return Buffer.from(out, "latin1");
}

/** The balance row of the test allocation on /partner/incentives. */
async function balanceRow(page) {
	const row = page.locator(`#prm-balances tr[data-name="${state.allocation}"]`);
	await row.waitFor({ state: "visible" });
	const cell = async (col) => figure(await row.locator(`.prm-col-${col}`).innerText());
	return {
		row,
		allocated: await cell("allocated"),
		committed: await cell("committed"),
		approved: await cell("approved"),
		paid: await cell("paid"),
		available: await cell("available"),
	};
}

/** The documents of the run (Administrator). */
async function docsOf(doctype, fields = ["name", "status", "docstatus"]) {
	const r = await state.admin.ok(
		"GET",
		resourcePath(doctype, null, {
			filters: JSON.stringify([["program", "in", state.programs]]),
			fields: JSON.stringify(fields),
			limit_page_length: "0",
		}),
	);
	return r.data;
}

describe("partner portal /partner/incentives", { timeout: 14 * TIMEOUT }, () => {
	before(async () => {
		const admin = (state.admin = await SiteClient.admin(cfg));
		state.partnerA = await partnerOf(admin, cfg.partnerA.user);
		state.partnerB = await partnerOf(admin, cfg.partnerB.user);
		const { partnerA: A, partnerB: B } = state;
		assert.notEqual(A.name, B.name, "partners A and B must be different channel partners");
		assert.equal(A.status, "Active", `${A.name} must be an Active partner`);

		const defaults = (await admin.ok("GET", resourcePath("Global Defaults", "Global Defaults"))).data;
		const company = (await admin.ok("GET", resourcePath("Company", defaults.default_company))).data;
		const accounts = (
			await admin.ok(
				"GET",
				resourcePath("Account", null, {
					filters: JSON.stringify([
						["company", "=", company.name],
						["account_name", "in", ["Marketing Expenses", "Administrative Expenses"]],
						["is_group", "=", 0],
					]),
					fields: JSON.stringify(["name", "account_name"]),
				}),
			)
		).data.sort((x, y) => (x.account_name === "Marketing Expenses" ? -1 : 1) - (y.account_name === "Marketing Expenses" ? -1 : 1));
		assert.ok(accounts.length, `need a ledger Expense account (Marketing / Administrative Expenses) of ${company.name}`);
		state.currency = company.default_currency;
		const suffix = (state.suffix = uniqueSuffix());
		const common = {
			status: "Active",
			company: company.name,
			currency: company.default_currency,
			start_date: isoDate(-30),
			end_date: isoDate(60),
			claim_deadline: isoDate(90),
			expense_account: accounts[0].name,
			cost_center: company.cost_center,
		};
		const mdf = await admin.ok("POST", resourcePath("Incentive Program"), {
			...common,
			program_name: `E2E MDF ${suffix}`,
			program_type: "MDF / Co-op",
			total_budget: 10000,
			reimbursement_percentage: 50,
			requires_preapproval: 0,
			proof_required: 1,
			description: "<p>Co-marketing events &amp; webinars.</p><p><b>Proof</b> of performance required.</p>",
		});
		state.program = mdf.data.name;
		state.programs.push(state.program);
		const alloc = await admin.ok("POST", resourcePath("Fund Allocation"), { program: state.program, channel_partner: A.name, allocated_amount: 3000 });
		state.allocation = alloc.data.name;
		state.allocations.push(state.allocation);
		const bonus = await admin.ok("POST", resourcePath("Incentive Program"), {
			...common,
			program_name: `E2E Deal Bonus ${suffix}`,
			program_type: "Registered-Deal Bonus",
			total_budget: 5000,
			bonus_per_deal: 100,
		});
		state.bonusProgram = bonus.data.name;
		state.programs.push(state.bonusProgram);
		const bonusAlloc = await admin.ok("POST", resourcePath("Fund Allocation"), { program: state.bonusProgram, channel_partner: A.name, allocated_amount: 1000 });
		state.bonusAllocation = bonusAlloc.data.name;
		state.allocations.push(state.bonusAllocation);
		// What B must never see of A.
		state.aSecrets = [A.name, A.partner_name, ...A.members.flatMap((m) => [m.user, m.email])].filter(Boolean);
		state.proofMarker = `E2E-PROOF-${suffix}`;
		state.browser = await launchBrowser(cfg);
	});

	after(async () => {
		for (const entry of state.pages) await entry.context.close().catch(() => {});
		await state.browser?.close();
		if (cfg.keepData || !state.admin || !state.programs.length) return;
		const admin = state.admin;
		const problems = [];
		const attempt = async (what, fn) => {
			try {
				await fn();
			} catch (e) {
				problems.push(`${what}: ${String(e.message).slice(0, 200)}`);
			}
		};
		// cancel what was approved (an approved claim's Purchase Invoice is cancelled with it), then
		// delete the documents; cancelled payouts stay in the ledger
		const cancelAndDelete = async (doctype, rows) => {
			for (const r of rows) {
				if (r.docstatus === 1) {
					await attempt(`cancel ${r.name}`, () => admin.ok("POST", "/api/method/frappe.client.cancel", { doctype, name: r.name }));
				}
				await attempt(`delete ${r.name}`, () => admin.ok("DELETE", resourcePath(doctype, r.name)));
			}
		};
		// claims first: cancelling an approved claim cancels its Purchase Invoice and frees the request
		await cancelAndDelete("Incentive Claim", await docsOf("Incentive Claim").catch(() => []));
		await cancelAndDelete("MDF Request", await docsOf("MDF Request").catch(() => []));
		for (const name of state.allocations) await attempt(`delete ${name}`, () => admin.ok("DELETE", resourcePath("Fund Allocation", name)));
		for (const name of state.programs) {
			const r = await admin.call("DELETE", resourcePath("Incentive Program", name));
			if (r.status >= 300) {
				// still linked: close it, so partners no longer see it
				problems.push(`program ${name} kept: HTTP ${r.status}`);
				await attempt(`close ${name}`, () => admin.ok("PUT", resourcePath("Incentive Program", name), { status: "Closed" }));
			}
		}
		if (problems.length) console.log(`# clean-up notes:\n# ${problems.join("\n# ")}`);
	});

	it("1. partner A sees its balance and the programs open to it", { timeout: TIMEOUT }, async () => {
		const a = await openPage(state.browser, cfg, "partner A");
		state.pages.push((state.a = a));
		const { page } = a;
		await loginThroughForm(page, cfg.partnerA.user, cfg.partnerA.password);
		await openPortalPage(page, "/partner/incentives");
		const b = await balanceRow(page);
		assert.equal(b.allocated, "3,000.00");
		assert.equal(b.committed, "0.00");
		assert.equal(b.available, "3,000.00");
		assert.match(await b.row.innerText(), /MDF \/ Co-op/, "the program type is shown");
		assert.equal(await b.row.locator(".prm-expired-flag").count(), 0, "a running allocation is not flagged expired");
		await page.locator(`#prm-balances tr[data-name="${state.bonusAllocation}"]`).waitFor({ state: "visible" });

		const program = page.locator(`#prm-programs li[data-name="${state.program}"]`);
		await program.waitFor({ state: "visible" });
		const programText = await program.innerText();
		assert.match(programText, /Co-marketing events & webinars\./, "the description is shown as text");
		assert.match(programText, /50 % of the actual cost/);
		assert.equal(await program.locator("b >> text=Proof").count(), 0, "no markup from the description");
		// the sidebar leads to the page
		assert.ok(await page.locator('.prm-side a[href="/partner/incentives"]').count(), "the portal menu links /partner/incentives");
		await screenshot(page, cfg, `${SHOT}-balance-1280.png`);
		assertNoPageErrors(a);
	});

	it("2. A requests MDF: 1,000 of 2,000 estimated (errors next to the form, one submission)", { timeout: TIMEOUT }, async () => {
		assert.ok(state.a, "needs partner A's session of step 1");
		const { page } = state.a;
		await openPortalPage(page, "/partner/incentives");
		await Promise.all([page.waitForURL((u) => u.pathname === "/partner/incentives/new-mdf"), page.locator("#prm-new-mdf").click()]);
		await page.waitForLoadState("load");
		const options = await page.locator("#prm-program option").evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
		assert.ok(options.includes(state.program), "the MDF program is offered");
		assert.ok(!options.includes(state.bonusProgram), "a deal-bonus program is not an MDF program");
		await page.locator("#prm-program").selectOption(state.program);
		assert.match(await page.locator("#prm-program-hint").innerText(), /3,000\.00 available/);
		await page.locator("#prm-activity-type").selectOption("Event");
		await page.locator("#prm-activity-name").fill(`E2E Partner Summit ${state.suffix}`);
		await page.locator("#prm-start").fill(isoDate(-10));
		await page.locator("#prm-end").fill(isoDate(-9));
		await page.locator("#prm-estimated-cost").fill("2000");
		await page.locator("#prm-requested-amount").fill("2500");
		await page.locator("#prm-expected-leads").fill("40");
		await page.locator("#prm-expected-pipeline").fill("50000");
		await page.locator("#prm-plan").fill("Half-day summit for 40 IT buyers; leads followed up within a week.");
		await screenshot(page, cfg, `${SHOT}-mdf-form-1280.png`);
		await screenshot(page, cfg, `${SHOT}-mdf-form-390.png`, 390);

		let creates = 0;
		let submits = 0;
		page.on("request", (r) => {
			const path = decodeURIComponent(new URL(r.url()).pathname);
			if (r.method() === "POST" && path === "/api/resource/MDF Request") creates += 1;
			if (path === `/api/method/${API}.submit_mdf_request`) submits += 1;
		});
		const error = page.locator("#prm-form-error");
		// checked in the page: more requested than estimated
		await page.locator("#prm-submit").click();
		await error.waitFor({ state: "visible" });
		assert.match(await error.innerText(), /cannot be more than the estimated cost/);
		assert.equal(creates, 0, "nothing is sent while the form is incomplete");
		// checked by the server: an activity outside the program period
		await page.locator("#prm-requested-amount").fill("1000");
		await page.locator("#prm-start").fill(isoDate(-200));
		await page.locator("#prm-end").fill(isoDate(-199));
		const refused = page.waitForResponse((r) => r.request().method() === "POST" && decodeURIComponent(new URL(r.url()).pathname) === "/api/resource/MDF Request");
		await page.locator("#prm-submit").click();
		assert.ok((await refused).status() >= 400, "an activity outside the program is refused");
		await page.locator("#prm-form-error", { hasText: "within the program period" }).waitFor({ state: "visible" });
		const message = await error.innerText();
		assertNoTraceback(message);
		assert.equal(await page.locator("#prm-submit").isDisabled(), false, "the button works again after the error");
		await screenshot(page, cfg, `${SHOT}-mdf-form-error-1280.png`);

		await page.locator("#prm-start").fill(isoDate(-10));
		await page.locator("#prm-end").fill(isoDate(-9));
		creates = 0;
		const navigated = page.waitForURL((u) => /^\/partner\/incentives\/MDF-/.test(u.pathname), { timeout: 30000 });
		const disabled = await page.evaluate(() => {
			const btn = document.getElementById("prm-submit");
			btn.click();
			const after = btn.disabled;
			btn.click(); // a second click while the first request runs sends nothing
			return after;
		});
		assert.equal(disabled, true, "the button is disabled while the request runs");
		await navigated;
		await page.waitForLoadState("load");
		const url = new URL(page.url());
		state.request = decodeURIComponent(url.pathname.split("/").pop());
		assert.equal(url.searchParams.get("saved"), "submitted");
		assert.equal(creates, 1, "one click, one request (double submit prevented)");
		assert.equal(submits, 1, "submitted once");
		assert.equal((await page.locator("#prm-status").innerText()).trim(), "Submitted");
		await page.locator("#prm-saved").waitFor({ state: "visible" });
		const saved = (await state.admin.ok("GET", resourcePath("MDF Request", state.request))).data;
		assert.equal(saved.channel_partner, state.partnerA.name, "the server filled in A's partner");
		assert.deepEqual([saved.status, saved.requested_amount, saved.estimated_cost, saved.fund_allocation], ["Submitted", 1000, 2000, state.allocation]);
		assertNoPageErrors(state.a);
	});

	it("3. the Administrator approves 900; A sees Approved, the reason and 900 committed", { timeout: TIMEOUT }, async () => {
		assert.ok(state.request, "needs the MDF request of step 2");
		const decided = await state.admin.ok("POST", `/api/method/${API}.decide_mdf_request`, {
			request: state.request,
			action: "Approve",
			approved_amount: 900,
			reason: "Venue cost capped at 900",
		});
		assert.equal(decided.message.status, "Approved");
		const { page } = state.a;
		await openPortalPage(page, `/partner/incentives/${state.request}`);
		assert.equal((await page.locator("#prm-status").innerText()).trim(), "Approved");
		assert.match(await page.locator("#prm-decision").innerText(), /Venue cost capped at 900/);
		assert.match(await page.locator("#prm-facts").innerText(), /Approved amount\s*\$?\s*900\.00/);
		await page.locator("#prm-action-claim").waitFor({ state: "visible" });
		await screenshot(page, cfg, `${SHOT}-mdf-approved-1280.png`);
		await screenshot(page, cfg, `${SHOT}-mdf-approved-390.png`, 390);

		await openPortalPage(page, "/partner/incentives");
		const b = await balanceRow(page);
		assert.deepEqual([b.committed, b.available], ["900.00", "2,100.00"], "900 committed, 2,100 available");
		const row = page.locator(`#prm-mdf-list tr[data-name="${state.request}"]`);
		assert.equal((await row.locator(".prm-status").innerText()).trim(), "Approved");
		assert.match(await row.innerText(), /Venue cost capped at 900/);
		assert.equal(figure(await row.locator(".prm-col-approved").innerText()), "900.00");
		await openPortalPage(page, "/partner/incentives?req_status=Rejected");
		assert.equal(await page.locator(`#prm-mdf-list tr[data-name="${state.request}"]`).count(), 0, "the status filter applies");
		await page.locator("#prm-mdf-empty").waitFor({ state: "visible" });
		await openPortalPage(page, `/partner/incentives?req_status=${encodeURIComponent("' OR 1=1 --")}&req_page=abc`);
		await page.locator(`#prm-mdf-list tr[data-name="${state.request}"]`).waitFor({ state: "visible" });
		assertNoPageErrors(state.a);
	});

	it("4. A claims 50 % of a 1,600 actual cost (800) with an uploaded proof file", { timeout: TIMEOUT }, async () => {
		assert.ok(state.request, "needs the approved MDF request of step 3");
		const { page } = state.a;
		await openPortalPage(page, `/partner/incentives/${state.request}`);
		await Promise.all([page.waitForURL((u) => u.pathname === "/partner/incentives/new-claim"), page.locator("#prm-action-claim").click()]);
		await page.waitForLoadState("load");
		assert.equal(await page.locator("#prm-claim-program").inputValue(), `mdf:${state.program}`, "the request's program is chosen");
		assert.equal(await page.locator("#prm-claim-request").inputValue(), state.request, "the request is chosen");
		assert.equal(await page.locator("#prm-activity-start").inputValue(), isoDate(-10), "activity dates come from the request");
		await page.locator("#prm-actual-cost").fill("1600");
		await page.locator("#prm-leads").fill("35");
		await page.locator("#prm-pipeline").fill("42000");
		assert.match(await page.locator("#prm-estimate").innerText(), /800\.00/, "the page estimates 800");

		// files the page refuses: wrong type, too large
		await page.locator("#prm-proof-input").setInputFiles([
			{ name: "tool.exe", mimeType: "application/octet-stream", buffer: Buffer.from("MZ") },
			{ name: "huge.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(5 * 1024 * 1024 + 1, 32) },
		]);
		const proofError = page.locator("#prm-proof-error");
		await proofError.waitFor({ state: "visible" });
		assert.match(await proofError.innerText(), /tool\.exe: this file type is not accepted/);
		assert.match(await proofError.innerText(), /huge\.pdf is larger than 5 MB/);
		assert.equal(await page.locator("#prm-proof-list li").count(), 0);
		await page.locator("#prm-proof-input").setInputFiles([
			{ name: "attendees.pdf", mimeType: "application/pdf", buffer: pdf(state.proofMarker) },
			{ name: "photos.png", mimeType: "image/png", buffer: Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a40000000049454e44ae426082", "hex") },
		]);
		assert.equal(await page.locator("#prm-proof-list li").count(), 2);
		assert.equal(await proofError.isVisible(), false, "the refusal goes once valid files are chosen");
		await page.locator("#prm-proof-list li").nth(0).locator(".prm-proof-desc").fill("Attendee list");
		await page.locator("#prm-proof-list li").nth(1).locator(".prm-proof-remove").click();
		assert.equal(await page.locator("#prm-proof-list li").count(), 1, "a file can be removed before sending");
		await screenshot(page, cfg, `${SHOT}-claim-form-1280.png`);
		await screenshot(page, cfg, `${SHOT}-claim-form-390.png`, 390);

		const uploaded = page.waitForResponse((r) => isMethodCall(r, "upload_file"), { timeout: 30000 });
		const navigated = page.waitForURL((u) => /^\/partner\/incentives\/CLM-/.test(u.pathname), { timeout: 60000 });
		await page.locator("#prm-submit").click();
		assert.equal((await uploaded).status(), 200, "the proof is uploaded");
		await navigated;
		await page.waitForLoadState("load");
		state.claim = decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
		assert.equal((await page.locator("#prm-status").innerText()).trim(), "Submitted");
		assert.equal(figure(await page.locator('#prm-amounts [data-amount="claimed"] dd').innerText()), "800.00", "claimed 800 (computed by the server)");
		const proof = page.locator("#prm-proofs a", { hasText: "attendees" });
		await proof.waitFor({ state: "visible" });
		state.proofUrl = await proof.getAttribute("href");
		assert.match(state.proofUrl, /^\/private\/files\//, "the proof is a private file");
		assert.match(await page.locator("#prm-basis").innerText(), new RegExp(state.request), "the basis names the MDF request");
		assert.match(await page.locator("#prm-basis-calc").innerText(), /1,600\.00 × 50 % = \D*800\.00/, "the basis shows the calculation");
		const own = await page.evaluate(async (url) => {
			const r = await fetch(url);
			return { status: r.status, text: await r.text() };
		}, state.proofUrl);
		assert.equal(own.status, 200, "A can download its own proof");
		assert.ok(own.text.includes(state.proofMarker), "the download is the uploaded file");
		await screenshot(page, cfg, `${SHOT}-claim-submitted-1280.png`);

		const saved = (await state.admin.ok("GET", resourcePath("Incentive Claim", state.claim))).data;
		assert.deepEqual([saved.status, saved.claimed_amount, saved.mdf_request, saved.actual_cost], ["Submitted", 800, state.request, 1600]);
		assert.equal(saved.proofs.length, 1);
		assert.equal(saved.proofs[0].description, "Attendee list");
		const file = (
			await state.admin.ok(
				"GET",
				resourcePath("File", null, { filters: JSON.stringify([["file_url", "=", state.proofUrl]]), fields: JSON.stringify(["is_private", "attached_to_doctype", "attached_to_name"]) }),
			)
		).data;
		assert.ok(file.some((f) => f.is_private === 1 && f.attached_to_doctype === "Incentive Claim" && f.attached_to_name === state.claim), "the file is private and attached to the claim");
		assertNoPageErrors(state.a);
	});

	it("5. a claim over the available balance is refused with the server's message", { timeout: TIMEOUT }, async () => {
		assert.ok(state.claim, "needs the claim of step 4");
		const { page } = state.a;
		await openPortalPage(page, "/partner/incentives/new-claim");
		await page.locator("#prm-claim-program").selectOption(`mdf:${state.program}`);
		await page.locator("#prm-claim-request").selectOption("");
		await page.locator("#prm-activity-start").fill(isoDate(-5));
		await page.locator("#prm-activity-end").fill(isoDate(-4));
		await page.locator("#prm-actual-cost").fill("6000"); // 50 % = 3,000 > 2,100 available
		await page.locator("#prm-proof-input").setInputFiles([{ name: "invoice.pdf", mimeType: "application/pdf", buffer: pdf(`${state.proofMarker}-2`) }]);
		const submitted = page.waitForResponse((r) => isMethodCall(r, `${API}.submit_claim`), { timeout: 60000 });
		await page.locator("#prm-submit").click();
		assert.ok((await submitted).status() >= 400, "the over-balance claim is refused");
		const error = page.locator("#prm-form-error");
		await error.waitFor({ state: "visible" });
		const message = await error.innerText();
		assert.match(message, /more than the available balance of your allocation \(.*2,100\.00\)/);
		assertNoTraceback(message);
		assert.match(message, /Saved as draft CLM-[^,]+, not submitted/);
		state.overDraft = message.match(/draft (CLM-[^,\s]+)/)[1];
		assert.equal(new URL(page.url()).pathname, "/partner/incentives/new-claim", "A stays on the form");
		assert.equal(await page.locator("#prm-submit").isDisabled(), false);
		await screenshot(page, cfg, `${SHOT}-claim-over-balance-1280.png`);
		await screenshot(page, cfg, `${SHOT}-claim-over-balance-390.png`, 390);
		const draft = (await state.admin.ok("GET", resourcePath("Incentive Claim", state.overDraft))).data;
		assert.deepEqual([draft.status, draft.docstatus, draft.claimed_amount], ["Draft", 0, 3000], "nothing is submitted");
		assertNoPageErrors(state.a);
	});

	it("6. the Administrator approves the claim; A sees Approved, never the payout document", { timeout: TIMEOUT }, async (t) => {
		assert.ok(state.claim, "needs the claim of step 4");
		const decided = await state.admin.ok("POST", `/api/method/${API}.decide_claim`, { claim: state.claim, action: "Approve" });
		assert.equal(decided.message.status, "Approved");
		const payout = (state.payout = decided.message.payout_document);
		assert.ok(payout, "the approval books a payout document");

		const { page } = state.a;
		await openPortalPage(page, `/partner/incentives/${state.claim}`);
		assert.equal((await page.locator("#prm-status").innerText()).trim(), "Approved");
		assert.equal(figure(await page.locator('#prm-amounts [data-amount="approved"] dd').innerText()), "800.00");
		assert.equal((await page.locator("#prm-pay-state").innerText()).trim(), "Not paid yet");
		const html = await page.content();
		assert.ok(!html.includes(payout), "the page does not show the Purchase Invoice");
		assert.ok(!/Purchase Invoice|Journal Entry/.test(html), "nor its kind");
		await screenshot(page, cfg, `${SHOT}-claim-approved-1280.png`);
		await screenshot(page, cfg, `${SHOT}-claim-approved-390.png`, 390);

		await openPortalPage(page, "/partner/incentives");
		const b = await balanceRow(page);
		assert.deepEqual([b.committed, b.approved, b.paid, b.available], ["0.00", "800.00", "0.00", "2,200.00"]);
		assert.equal((await page.locator(`#prm-mdf-list tr[data-name="${state.request}"] .prm-status`).innerText()).trim(), "Claimed");
		assert.equal((await page.locator(`#prm-claim-list tr[data-name="${state.claim}"] .prm-status`).innerText()).trim(), "Approved");
		assert.equal((await page.locator(`#prm-claim-list tr[data-name="${state.overDraft}"] .prm-status`).innerText()).trim(), "Draft");
		assert.ok(!(await page.content()).includes(payout), "the list does not show the Purchase Invoice");
		await openPortalPage(page, "/partner/incentives?claim_status=Approved");
		assert.equal(await page.locator("#prm-claim-list tbody tr").count(), 1, "the claim status filter applies");
		await openPortalPage(page, "/partner/incentives");
		await screenshot(page, cfg, `${SHOT}-list-1280.png`);
		await screenshot(page, cfg, `${SHOT}-list-390.png`, 390);

		// REST, as A: reported, not part of the portal page
		const rest = await page.evaluate(async (name) => {
			const r = await fetch(`/api/resource/Incentive%20Claim/${encodeURIComponent(name)}`, { headers: { Accept: "application/json" } });
			return (await r.json()).data || {};
		}, state.claim);
		if (rest.payout_document) t.diagnostic(`app: GET /api/resource/Incentive Claim/${state.claim} as partner A returns payout_document=${rest.payout_document} (payout_doctype=${rest.payout_doctype})`);
		assertNoPageErrors(state.a);
	});

	it("7. partner B sees nothing of A: lists, URLs, REST, proof file", { timeout: TIMEOUT }, async () => {
		assert.ok(state.claim && state.request, "needs steps 2-6");
		const b = await openPage(state.browser, cfg, "partner B");
		state.pages.push((state.b = b));
		const { page } = b;
		await loginThroughForm(page, cfg.partnerB.user, cfg.partnerB.password);
		await openPortalPage(page, "/partner/incentives");
		const mine = [state.request, state.claim, state.overDraft, state.allocation, state.bonusAllocation];
		const html = await page.content();
		for (const name of mine) assert.ok(!html.includes(name), `B's page shows ${name}`);
		for (const secret of state.aSecrets) assert.ok(!html.toLowerCase().includes(secret.toLowerCase()), `B's page reveals ${secret}`);
		assert.ok(!html.includes(`E2E Partner Summit ${state.suffix}`), "B's page shows A's activity");

		const missing = await page.goto(`/partner/incentives/CLM-2000-${uniqueSuffix()}`);
		assert.equal(missing.status(), 404);
		for (const name of [state.request, state.claim, state.overDraft]) {
			const response = await page.goto(`/partner/incentives/${name}`);
			assert.equal(response.status(), missing.status(), `B opening ${name} answers like a missing document`);
			const text = (await page.content()).toLowerCase();
			for (const secret of [...state.aSecrets, `e2e partner summit ${state.suffix}`.toLowerCase(), state.proofMarker.toLowerCase()]) {
				assert.ok(!text.includes(secret.toLowerCase()), `B's page for ${name} reveals ${secret}`);
			}
		}
		await screenshot(page, cfg, `${SHOT}-other-partner-404-1280.png`);

		await openPortalPage(page, "/partner/incentives");
		const rest = await page.evaluate(
			async ({ docs, proofUrl, draft, marker }) => {
				const headers = { Accept: "application/json", "X-Frappe-CSRF-Token": window.frappe?.csrf_token || "" };
				const out = {};
				for (const [doctype, name] of docs) {
					const r = await fetch(`/api/resource/${encodeURIComponent(doctype)}/${encodeURIComponent(name)}`, { headers });
					const list = await fetch(`/api/resource/${encodeURIComponent(doctype)}?filters=${encodeURIComponent(JSON.stringify([["name", "=", name]]))}`, { headers });
					out[name] = { status: r.status, text: await r.text(), list: (await list.json()).data };
				}
				const balances = await fetch("/api/method/prm_extension.api.incentives.balances", { headers });
				out.balances = { status: balances.status, text: await balances.text() };
				const submit = await fetch("/api/method/prm_extension.api.incentives.submit_claim", {
					method: "POST",
					headers: { ...headers, "Content-Type": "application/json" },
					body: JSON.stringify({ claim: draft }),
				});
				out.submit = { status: submit.status, text: await submit.text() };
				const form = new FormData();
				form.append("file", new Blob(["x"], { type: "text/plain" }), "b.txt");
				form.append("is_private", "1");
				form.append("doctype", "Incentive Claim");
				form.append("docname", draft);
				const upload = await fetch("/api/method/upload_file", { method: "POST", headers, body: form });
				out.upload = upload.status;
				const file = await fetch(proofUrl);
				const body = await file.text();
				out.file = { status: file.status, leaks: body.includes(marker) };
				return out;
			},
			{
				docs: [
					["MDF Request", state.request],
					["Incentive Claim", state.claim],
					["Incentive Claim", state.overDraft],
					["Fund Allocation", state.allocation],
				],
				proofUrl: state.proofUrl,
				draft: state.overDraft,
				marker: state.proofMarker,
			},
		);
		for (const name of [state.request, state.claim, state.overDraft, state.allocation]) {
			assert.ok([403, 404].includes(rest[name].status), `GET ${name} as B: HTTP ${rest[name].status}`);
			assert.ok(!rest[name].text.includes(state.partnerA.name), `the REST answer for ${name} names A`);
			assert.deepEqual(rest[name].list, [], `the list API finds ${name} for B`);
		}
		assert.equal(rest.balances.status, 200);
		for (const name of mine) assert.ok(!rest.balances.text.includes(name), `B's balances include ${name}`);
		assert.ok(rest.submit.status >= 400, "B cannot submit A's draft claim");
		assert.ok(!rest.submit.text.includes(state.partnerA.name));
		assert.ok(rest.upload >= 400, `B cannot attach a file to A's claim (HTTP ${rest.upload})`);
		assert.notEqual(rest.file.status, 200, `B's GET of A's proof file answers ${rest.file.status}`);
		assert.equal(rest.file.leaks, false, "B does not get the content of A's proof");
		const draft = (await state.admin.ok("GET", resourcePath("Incentive Claim", state.overDraft))).data;
		assert.equal(draft.status, "Draft", "A's draft is untouched");
		assertNoPageErrors(b);
	});

	it("8. an anonymous visitor is redirected to /login", { timeout: TIMEOUT }, async () => {
		const anon = await openPage(state.browser, cfg, "anonymous");
		state.pages.push(anon);
		for (const path of ["/partner/incentives", "/partner/incentives/new-claim", `/partner/incentives/${state.claim || "CLM-X"}`]) {
			await anon.page.goto(path);
			const url = new URL(anon.page.url());
			assert.equal(url.pathname, "/login", `${path} → ${url}`);
			assert.equal(url.searchParams.get("redirect-to"), path);
		}
		assertNoPageErrors(anon);
	});

	it("9. a computed claim (deal bonus): the amount and its basis are shown before submitting", { timeout: TIMEOUT }, async (t) => {
		assert.ok(state.a, "needs partner A's session of step 1");
		const { page } = state.a;
		await openPortalPage(page, "/partner/incentives/new-claim");
		await page.locator("#prm-claim-program").selectOption(`alloc:${state.bonusAllocation}`);
		assert.equal(await page.locator("#prm-mdf-section").isVisible(), false, "no cost or proof fields for a computed program");
		await page.locator("#prm-computed-section").waitFor({ state: "visible" });
		assert.equal(await page.locator("#prm-submit").isVisible(), false);
		const navigated = page.waitForURL((u) => /^\/partner\/incentives\/CLM-/.test(u.pathname) && u.searchParams.get("saved") === "draft", { timeout: 30000 });
		await page.locator("#prm-calculate").click();
		await navigated;
		await page.waitForLoadState("load");
		const name = decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
		assert.equal((await page.locator("#prm-status").innerText()).trim(), "Draft");
		const saved = (await state.admin.ok("GET", resourcePath("Incentive Claim", name))).data;
		const shown = figure(await page.locator('#prm-amounts [data-amount="claimed"] dd').innerText());
		assert.equal(shown.replace(/,/g, ""), saved.claimed_amount.toFixed(2), "the page shows the server's amount");
		assert.equal(await page.locator("#prm-basis tbody tr").count(), saved.references.length, "one basis row per reference");
		for (const ref of saved.references) {
			await page.locator(`#prm-basis a[href="/partner/deals/${encodeURIComponent(ref.reference_name)}"]`).waitFor({ state: "visible" });
		}
		t.diagnostic(`deal bonus for ${state.partnerA.name}: ${saved.claimed_amount} from ${saved.references.length} won deals`);
		await screenshot(page, cfg, `${SHOT}-computed-draft-1280.png`);
		await screenshot(page, cfg, `${SHOT}-computed-draft-390.png`, 390);
		// choosing the same allocation again calculates the same draft again (no second draft)
		await openPortalPage(page, "/partner/incentives/new-claim");
		await page.locator("#prm-claim-program").selectOption(`alloc:${state.bonusAllocation}`);
		const again = page.waitForURL((u) => u.searchParams.get("saved") === "draft", { timeout: 30000 });
		await page.locator("#prm-calculate").click();
		await again;
		await page.waitForLoadState("load");
		assert.equal(decodeURIComponent(new URL(page.url()).pathname.split("/").pop()), name, "the partner's draft is reused");
		if (saved.claimed_amount > 0) {
			const answered = page.waitForResponse((r) => isMethodCall(r, `${API}.submit_claim`));
			const submitted = page.waitForURL((u) => u.searchParams.get("saved") === "submitted", { timeout: 30000 });
			await page.locator("#prm-action-submit").click();
			assert.equal((await answered).status(), 200);
			await submitted;
			await page.waitForLoadState("load");
			assert.equal((await page.locator("#prm-status").innerText()).trim(), "Submitted");
		} else {
			// nothing won in the period: nothing to submit (the server would refuse a zero claim)
			await page.locator("#prm-nothing").waitFor({ state: "visible" });
			assert.equal(await page.locator("#prm-action-submit").count(), 0, "no Submit button for a zero claim");
			const recalculated = page.waitForResponse((r) => r.request().method() === "PUT" && decodeURIComponent(new URL(r.url()).pathname) === `/api/resource/Incentive Claim/${name}`);
			const reloaded = page.waitForEvent("load", { timeout: 30000 });
			await page.locator("#prm-action-recalculate").click();
			assert.equal((await recalculated).status(), 200, "Calculate again saves (and so recomputes) the draft");
			await reloaded;
			await page.locator("#prm-nothing").waitFor({ state: "visible" });
			// the server refuses a zero claim all the same
			const refused = await page.evaluate(async (claim) => {
				const r = await fetch("/api/method/prm_extension.api.incentives.submit_claim", {
					method: "POST",
					headers: { Accept: "application/json", "Content-Type": "application/json", "X-Frappe-CSRF-Token": window.frappe?.csrf_token || "" },
					body: JSON.stringify({ claim }),
				});
				return { status: r.status, text: await r.text() };
			}, name);
			assert.ok(refused.status >= 400 && /more than zero/.test(refused.text), `a zero claim is refused: ${refused.status}`);
		}
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
