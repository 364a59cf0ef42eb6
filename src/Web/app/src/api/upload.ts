// File uploads with progress: fetch cannot report how much of a request body has been sent, XMLHttpRequest
// can. Same rules as http.ts: the Bearer token (refreshed first when about to expire, and once after a 401,
// which sends the file again), problem+json errors as ApiError, a failure without an answer as NetworkError.

import i18n from "../i18n";
import { NetworkError, errorFromResponse } from "./errors";
import { accessToken, hasFreshToken, refreshSession } from "./session";

export interface UploadOptions {
  method?: "POST" | "PUT";
  /** The multipart field the file goes in (the API reads `file`). */
  field?: string;
  /** 0 to 1 as the body goes out; once it is all sent the server still reads and checks it. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

interface RawResponse {
  status: number;
  statusText: string;
  contentType: string;
  body: string;
}

function abortError(): DOMException {
  return new DOMException("The upload was cancelled.", "AbortError");
}

function send(path: string, file: File, options: UploadOptions): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(abortError());
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open(options.method ?? "POST", path);
    xhr.setRequestHeader("accept", "application/json");
    const token = accessToken();
    if (token) xhr.setRequestHeader("authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(Math.min(1, event.loaded / event.total));
    };
    const onAbort = () => xhr.abort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => options.signal?.removeEventListener("abort", onAbort);
    xhr.onload = () => {
      done();
      resolve({ status: xhr.status, statusText: xhr.statusText, contentType: xhr.getResponseHeader("content-type") ?? "", body: xhr.responseText });
    };
    xhr.onerror = () => {
      done();
      reject(new NetworkError(i18n.t("errors.network")));
    };
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => {
      done();
      reject(abortError());
    };
    const form = new FormData();
    form.append(options.field ?? "file", file, file.name);
    xhr.send(form);
  });
}

/** Sends one file as multipart/form-data and reads the JSON answer. */
export async function uploadFile<T>(path: string, file: File, options: UploadOptions = {}): Promise<T> {
  if (!hasFreshToken()) await refreshSession().catch(() => false);
  let response = await send(path, file, options);
  if (response.status === 401 && (await refreshSession().catch(() => false))) {
    options.onProgress?.(0);
    response = await send(path, file, options);
  }
  if (response.status < 200 || response.status >= 300) {
    const headers = response.contentType ? { "content-type": response.contentType } : undefined;
    throw await errorFromResponse(new Response(response.body, { status: response.status, statusText: response.statusText, headers }));
  }
  return (response.body ? JSON.parse(response.body) : undefined) as T;
}
