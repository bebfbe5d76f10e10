// Starts Frappe's realtime (socket.io) server for the browser tests, the way a development machine
// runs it, with two differences from `node apps/frappe/socketio.js`:
//  * it listens on 127.0.0.1 only (by itself it listens on every interface);
//  * names under .localhost resolve to 127.0.0.1 (RFC 6761; this machine's resolver does not), so
//    the server can reach the site at its own origin when it authenticates a socket.
//
//   node e2e/realtime.cjs /path/to/frappe-bench/apps/frappe/socketio.js    (run from the bench)
const http = require("node:http");
const dns = require("node:dns");

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (...args) {
	if (typeof args[0] === "number") args.splice(1, 0, "127.0.0.1");
	return listen.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function (hostname, options, callback) {
	if (typeof hostname === "string" && (hostname === "localhost" || hostname.endsWith(".localhost"))) {
		const cb = typeof options === "function" ? options : callback;
		const all = typeof options === "object" && options && options.all;
		return process.nextTick(() => (all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4)));
	}
	return lookup.call(this, hostname, options, callback);
};

require(process.argv[2]);
