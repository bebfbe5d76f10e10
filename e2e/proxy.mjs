// The part nginx plays in production, for the browser tests: one loopback address for the site
// (gunicorn) and Frappe's realtime server (socket.io), which the desk reaches on the site's own
// origin under /socket.io, with nginx's gzip settings from `bench setup nginx`. Node built-ins only.
//
//   node proxy.mjs [listen=127.0.0.1:8000] [web=127.0.0.1:8001] [socketio=127.0.0.1:9000]
import http from "node:http";
import net from "node:net";
import zlib from "node:zlib";

const [listen = "127.0.0.1:8000", web = "127.0.0.1:8001", socketio = "127.0.0.1:9000"] = process.argv.slice(2);
const split = (a) => ({ host: a.split(":")[0], port: Number(a.split(":")[1]) });
const isSocket = (url) => (url || "").startsWith("/socket.io");
const target = (url) => split(isSocket(url) ? socketio : web);

/** As Frappe's nginx configuration does for /socket.io: the site name, and an Origin (browsers
 * leave it out of same-origin GETs, and the realtime server checks it against Host). */
function headersFor(req) {
	const headers = { ...req.headers };
	if (isSocket(req.url) && headers.host) {
		headers.origin = headers.origin || `http://${headers.host}`;
		headers["x-frappe-site-name"] = headers.host.split(":")[0];
	}
	return headers;
}

// Compression as in bench's generated nginx.conf (`bench setup nginx`): gzip level 5, responses
// of at least 256 bytes, text/html and these types, whenever the browser accepts gzip. nginx serves
// /assets itself and types .js files application/javascript; gunicorn's static handler here says
// text/javascript for the same files, so that is compressed too.
const GZIP_TYPES = new Set(["text/html", "text/javascript", "application/atom+xml", "application/javascript", "application/json", "application/rss+xml", "application/vnd.ms-fontobject", "application/x-font-ttf", "application/font-woff", "application/x-web-app-manifest+json", "application/xhtml+xml", "application/xml", "font/opentype", "image/svg+xml", "image/x-icon", "text/css", "text/plain", "text/x-component"]);

function compressible(req, up) {
	const type = String(up.headers["content-type"] || "").split(";")[0].trim().toLowerCase();
	const length = up.headers["content-length"];
	return (
		/\bgzip\b/.test(String(req.headers["accept-encoding"] || "")) &&
		!up.headers["content-encoding"] &&
		GZIP_TYPES.has(type) &&
		!(length !== undefined && Number(length) < 256) &&
		req.method !== "HEAD" &&
		up.statusCode !== 204 &&
		up.statusCode !== 304
	);
}

const server = http.createServer((req, res) => {
	const { host, port } = target(req.url);
	const upstream = http.request({ host, port, method: req.method, path: req.url, headers: headersFor(req) }, (up) => {
		if (!isSocket(req.url) && compressible(req, up)) {
			const headers = { ...up.headers, "content-encoding": "gzip", vary: "Accept-Encoding" };
			delete headers["content-length"];
			res.writeHead(up.statusCode, headers);
			up.pipe(zlib.createGzip({ level: 5 })).pipe(res);
			return;
		}
		res.writeHead(up.statusCode, up.headers);
		up.pipe(res);
	});
	upstream.on("error", () => {
		res.writeHead(502);
		res.end("bad gateway");
	});
	req.pipe(upstream);
});

// websocket upgrades are passed through as raw TCP
server.on("upgrade", (req, socket, head) => {
	const { host, port } = target(req.url);
	const up = net.connect(port, host, () => {
		const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
		for (const [k, v] of Object.entries(headersFor(req))) lines.push(`${k}: ${v}`);
		up.write(lines.join("\r\n") + "\r\n\r\n");
		if (head && head.length) up.write(head);
		up.pipe(socket);
		socket.pipe(up);
	});
	up.on("error", () => socket.destroy());
	socket.on("error", () => up.destroy());
});

const { host, port } = split(listen);
server.listen(port, host, () => console.log(`proxy on ${listen}: /socket.io -> ${socketio}, the rest -> ${web}`));
