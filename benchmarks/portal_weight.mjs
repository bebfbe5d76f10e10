// What a partner's browser downloads on a first visit to each portal section (empty cache):
// every response's encoded (on-the-wire) size, from Chromium's own network events. Target: the
// first page load transfers <= 500 KB. Uses the browser-test set-up (e2e/README.md) and its
// environment variables; run from the repository root:
//
//   node benchmarks/portal_weight.mjs            (PRM_BASE_URL, PRM_PARTNER_A_USER, ... as for e2e)
import { config, launchBrowser, loginThroughForm, openPage } from "../e2e/lib.mjs";

const PAGES = ["/partner", "/partner/accounts", "/partner/deals", "/partner/incentives", "/partner/products", "/partner/promotions", "/partner/warranty", "/partner/news", "/partner/team", "/partner/feeds"];
const TARGET = 500 * 1024;

const cfg = config();
const browser = await launchBrowser(cfg);
const results = [];
try {
	// log in once to get the session cookie, then measure each page in a fresh context with that cookie only
	const login = await openPage(browser, cfg, "login");
	await loginThroughForm(login.page, cfg.partnerA.user, cfg.partnerA.password);
	const cookies = await login.context.cookies();
	await login.context.close();
	for (const path of PAGES) {
		const context = await browser.newContext({ baseURL: cfg.baseUrl });
		await context.addCookies(cookies);
		const page = await context.newPage();
		const cdp = await context.newCDPSession(page);
		await cdp.send("Network.enable");
		await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
		const sizes = new Map();
		const urls = new Map();
		cdp.on("Network.requestWillBeSent", (e) => urls.set(e.requestId, e.request.url));
		cdp.on("Network.loadingFinished", (e) => sizes.set(e.requestId, e.encodedDataLength));
		const response = await page.goto(path, { waitUntil: "networkidle" });
		await page.waitForTimeout(500);
		let total = 0;
		const byType = {};
		for (const [id, bytes] of sizes) {
			total += bytes;
			const url = urls.get(id) || "";
			const kind = url.endsWith(".js") || url.includes(".js?") ? "js" : url.includes(".css") ? "css" : url.includes("/api/") ? "api" : url.match(/\.(woff2?|ttf)/) ? "font" : url.match(/\.(png|jpe?g|svg|gif|webp)/) ? "image" : "html/other";
			byType[kind] = (byType[kind] || 0) + bytes;
		}
		results.push({ path, status: response.status(), requests: sizes.size, kb: total / 1024, byType: Object.fromEntries(Object.entries(byType).map(([k, v]) => [k, Math.round(v / 1024)])) });
		await context.close();
	}
} finally {
	await browser.close();
}
let worst = 0;
for (const r of results) {
	worst = Math.max(worst, r.kb * 1024);
	console.log(`${r.path.padEnd(22)} ${String(r.status).padEnd(4)} ${String(r.requests).padStart(3)} requests ${r.kb.toFixed(1).padStart(8)} KB  ${JSON.stringify(r.byType)}`);
}
console.log(`largest first load ${(worst / 1024).toFixed(1)} KB (target <= ${TARGET / 1024} KB): ${worst <= TARGET ? "met" : "NOT met"}`);
console.log(JSON.stringify({ results }, null, 0));
