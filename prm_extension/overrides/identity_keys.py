"""Identity keys on Lead and Prospect, so a partner's search recognises known prospects."""

from prm_extension.core.identity import normalize_domain, normalize_name


def set_lead_keys(doc, method=None):
	doc.prm_name_key = normalize_name(doc.company_name)[:140] or None
	doc.prm_domain = normalize_domain(doc.website) or normalize_domain(doc.email_id) or None


def set_prospect_keys(doc, method=None):
	doc.prm_name_key = normalize_name(doc.company_name)[:140] or None
	doc.prm_domain = normalize_domain(doc.website) or None
