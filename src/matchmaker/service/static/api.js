// Talking to the service: the key, requests, problem details turned into sentences, downloads
// and job polling. Nothing here touches the page's content.

const KEY_STORAGE = "matchmaker.key";

export function storedKey() {
  return sessionStorage.getItem(KEY_STORAGE) ?? "";
}

export function storeKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/** An error a person can read: `message` is a sentence, `problems` the rows to fix. */
export class ApiError extends Error {
  constructor(message, { status = 0, type = "", problems = [], rule = "", retryAfter = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.type = type;
    this.problems = problems;
    this.rule = rule;
    this.retryAfter = retryAfter;
  }

  get isConflict() {
    return this.status === 412 || this.status === 428;
  }
}

const NETWORK_MESSAGE =
  "The Matchmaker service could not be reached. Check your network connection and that the " +
  "service is running, then try again.";

function sentence(text) {
  const t = String(text ?? "").trim();
  if (!t) return "";
  const first = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(first) ? first : `${first}.`;
}

function problemType(type) {
  return String(type ?? "").split("/").pop();
}

/** The words shown for an HTTP status when the service gave no detail of its own. */
function statusMessage(status, retryAfter) {
  switch (status) {
    case 400:
      return "The service could not read this request.";
    case 401:
      return "This key was not accepted. Check it, or ask the organiser for a new one, and sign in again.";
    case 403:
      return "This key may not do that: it belongs to another role, event or organisation.";
    case 404:
      return "This was not found; it may have been deleted.";
    case 409:
      return "This cannot be done as things stand.";
    case 412:
      return "Someone else changed this event since you opened it; reload to see their change, then make yours again.";
    case 413:
      return "The file is too large for the service.";
    case 415:
      return "The service does not read this kind of file.";
    case 422:
      return "Some values need fixing.";
    case 428:
      return "The page did not say which version it changed; reload and try again.";
    case 429:
      return retryAfter
        ? `Too many requests in a short time; wait ${retryAfter} seconds and try again.`
        : "Too many requests in a short time; wait a minute and try again.";
    default:
      if (status >= 500) {
        return `The service ran into a problem of its own (status ${status}). Try again; if it happens again, tell the service's administrator.`;
      }
      return `The request failed (status ${status}).`;
  }
}

/** Turn a problem-details object (RFC 9457) into an ApiError. */
export function errorFromProblem(problem, status = 0, retryAfter = null) {
  const p = problem && typeof problem === "object" ? problem : {};
  const code = Number(p.status ?? status) || status;
  const type = problemType(p.type);
  const problems = Array.isArray(p.problems) ? p.problems : [];
  let message;
  if (code === 412 || type === "version-conflict") {
    // The stored and sent versions mean nothing to an organiser; say what to do.
    message = statusMessage(412);
  } else if (code >= 500) {
    message = statusMessage(code);
  } else if (code === 401) {
    message = `${sentence(p.detail) || "This key was not accepted."} Check the key, or ask for a new one, and sign in again.`;
  } else if (code === 429) {
    message = statusMessage(429, retryAfter);
  } else {
    message = sentence(p.detail) || sentence(p.title) || statusMessage(code, retryAfter);
  }
  return new ApiError(message, {
    status: code,
    type,
    problems,
    rule: p.rule ?? "",
    retryAfter,
  });
}

async function errorFrom(response) {
  const retryAfter = response.headers.get("Retry-After");
  const kind = response.headers.get("Content-Type") ?? "";
  let body = null;
  if (kind.includes("json")) {
    try {
      body = await response.json();
    } catch {
      body = null;
    }
  }
  // A body that is not a problem (an HTML error page, a trace) is never shown.
  return errorFromProblem(body, response.status, retryAfter);
}

/**
 * Send a request with the stored key; resolve to the Response when it succeeded, throw an
 * ApiError (with a sentence) otherwise.
 */
export async function request(method, path, { json, form, ifMatch, key } = {}) {
  const headers = { Accept: "application/json, application/problem+json;q=0.9, */*;q=0.1" };
  const k = key ?? storedKey();
  if (k) headers.Authorization = `Bearer ${k}`;
  if (ifMatch) headers["If-Match"] = ifMatch;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: "no-store" });
  } catch {
    throw new ApiError(NETWORK_MESSAGE);
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

/** GET a JSON document: `{data, etag}`. */
export async function getJson(path, options = {}) {
  const response = await request("GET", path, options);
  return { data: await readJson(response), etag: response.headers.get("ETag") };
}

/** Send JSON (or a form) and read the JSON answer: `{data, etag, location, status}`. */
export async function sendJson(method, path, options = {}) {
  const response = await request(method, path, options);
  const data = response.status === 204 ? null : await readJson(response);
  return {
    data,
    etag: response.headers.get("ETag"),
    location: response.headers.get("Location"),
    status: response.status,
  };
}

async function readJson(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("The service answered with something other than data; try again.", {
      status: response.status,
    });
  }
}

/** An ETag for If-Match made from a version number, when a document carries its version. */
export function etagOf(version) {
  return version === undefined || version === null ? null : `"${version}"`;
}

export function encode(segment) {
  return encodeURIComponent(String(segment));
}

function filenameFrom(disposition) {
  if (!disposition) return null;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(disposition);
  return plain ? plain[1].trim() : null;
}

/** Fetch a file with the key (a plain link cannot send it) and hand it to the browser. */
export async function download(path, fallbackName) {
  const response = await request("GET", path);
  const blob = await response.blob();
  const name = filenameFrom(response.headers.get("Content-Disposition")) ?? fallbackName;
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follow a job until it ends. `onProgress(job)` is called after every poll. Resolves to the
 * finished job; throws an ApiError (the job's problem) when it failed or was cancelled.
 */
export async function followJob(jobPath, onProgress, { interval = 400, isCancelled } = {}) {
  let wait = interval;
  for (;;) {
    const { data: job } = await getJson(jobPath);
    onProgress?.(job);
    if (job.status === "succeeded") return job;
    if (job.status === "failed") {
      if (job.problem) throw errorFromProblem(job.problem);
      throw new ApiError(sentence(job.message) || "The run failed.");
    }
    if (job.status === "cancelled") {
      throw new ApiError(`The run was ${job.message || "cancelled"}; nothing of it was kept.`);
    }
    if (isCancelled?.()) return null;
    await sleep(wait);
    wait = Math.min(wait * 1.25, 2000);
  }
}

/** Where the job of a 202 answer can be followed. */
export function jobPath(answer) {
  const id = answer.data?.job?.id ?? answer.data?.id;
  if (id !== undefined && id !== null) return `/api/jobs/${encode(id)}`;
  if (answer.location) return answer.location;
  throw new ApiError("The service started a run but did not say where to follow it.");
}
