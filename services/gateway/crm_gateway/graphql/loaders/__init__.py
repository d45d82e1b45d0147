"""One DataLoader per file; each is created per request by `crm_gateway.context`."""
