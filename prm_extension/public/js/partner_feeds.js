// Partner portal: send a sell-through or inventory CSV (/partner/feeds). The file's bytes go to the
// server as they are (base64), so any encoding the server accepts arrives intact.
(function () {
	const form = document.getElementById("prm-feed-form");
	if (!form || !window.prm) return;
	const { __, call, errorText } = window.prm;
	const result = document.getElementById("prm-feed-result");
	const button = document.getElementById("prm-feed-send");
	const MAX = 25 * 1024 * 1024;

	function show(text, bad) {
		result.hidden = false;
		result.textContent = text;
		result.classList.toggle("prm-bad", !!bad);
	}

	function base64(buffer) {
		const bytes = new Uint8Array(buffer);
		let binary = "";
		for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
		return btoa(binary);
	}

	form.addEventListener("submit", async (e) => {
		e.preventDefault();
		const file = document.getElementById("prm-feed-file").files[0];
		if (!file) return show(__("Choose a CSV file."), true);
		if (file.size > MAX) return show(__("The file is larger than 25 MB. Split it into several files."), true);
		button.disabled = true;
		show(__("Sending…"));
		try {
			const content = base64(await file.arrayBuffer());
			const r = await call("prm_extension.api.feeds.submit_report", {
				report_type: document.getElementById("prm-feed-type").value,
				content_base64: content,
				filename: file.name,
				source: "Portal",
			});
			const m = r; // call() answers the message itself
			if (m.status === "Imported") {
				let text = __("{0}: {1} of {2} lines imported, {3} duplicates ignored.", [m.name, m.imported, m.lines, m.duplicates]);
				if (m.unmapped_items || m.unmapped_customers)
					text += "\n" + __("{0} with an unknown item, {1} with an unknown customer: your channel manager maps them.", [m.unmapped_items, m.unmapped_customers]);
				show(text);
			} else if (m.status === "Rejected") {
				show(__("{0} was rejected: nothing was imported. Correct the file and send it again.", [m.name]) + "\n" + (m.error_report || ""), true);
			} else {
				show(__("{0} is large: it is being imported in the background. Refresh this page in a minute.", [m.name]));
			}
			form.reset();
		} catch (err) {
			show(errorText(err), true);
		} finally {
			button.disabled = false;
		}
	});
})();
