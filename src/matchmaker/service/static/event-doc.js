// The event document as PUT /api/events/{id} takes it: the GET answer without the fields the
// service adds (version, owner, timestamps, the fingerprints of what results are built from).

const SERVICE_FIELDS = ["version", "owner", "created", "updated", "etag", "inputs"];

export function eventDocument(event) {
  const doc = { ...(event ?? {}) };
  for (const name of SERVICE_FIELDS) delete doc[name];
  return doc;
}
