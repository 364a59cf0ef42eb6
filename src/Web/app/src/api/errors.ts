// Errors from the API arrive as RFC 7807 problem details; everything the UI shows of an error is its title
// (plus the detail, when the server gave one). Failures that never reached the server get a local title.

export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: Record<string, string[]>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  /** Validation errors by field name, as the server spelled it. */
  readonly errors: Record<string, string[]>;

  constructor(status: number, title: string, detail?: string, errors?: Record<string, string[]>) {
    super(detail ? `${title} ${detail}` : title);
    this.name = "ApiError";
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors ?? {};
  }

  /** The validation messages for one field, matched without regard to case (`Email` and `email`). */
  fieldErrors(field: string): string[] {
    const key = Object.keys(this.errors).find((k) => k.toLowerCase() === field.toLowerCase());
    return key ? (this.errors[key] ?? []) : [];
  }
}

/** Status 0: the request did not get an HTTP answer (offline, DNS, connection refused, CORS). */
export class NetworkError extends ApiError {
  constructor(title: string) {
    super(0, title);
    this.name = "NetworkError";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readErrors(value: unknown): Record<string, string[]> | undefined {
  if (!isRecord(value)) return undefined;
  const result: Record<string, string[]> = {};
  for (const [field, messages] of Object.entries(value)) {
    if (Array.isArray(messages)) result[field] = messages.filter((m): m is string => typeof m === "string");
    else if (typeof messages === "string") result[field] = [messages];
  }
  return result;
}

/** Reads an error response: problem+json when the server sent it, else the status line. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let problem: ProblemDetails = {};
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    try {
      const body: unknown = await response.json();
      if (isRecord(body)) {
        problem = {
          title: typeof body.title === "string" ? body.title : undefined,
          detail: typeof body.detail === "string" ? body.detail : undefined,
          errors: readErrors(body.errors),
        };
      }
    } catch {
      // A body that is not JSON after all: fall back to the status line below.
    }
  }
  const title = problem.title ?? (`${response.status} ${response.statusText}`.trim() || `HTTP ${response.status}`);
  return new ApiError(response.status, title, problem.detail, problem.errors);
}

/** The text to show for any error: the problem's title, then its detail. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.detail ? `${error.title} — ${error.detail}` : error.title;
  if (error instanceof Error) return error.message;
  return String(error);
}
