/** A non-2xx answer of the API; `apiCode` is the stable code of its error body when it has one. */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  readonly code = 'VF_API_CALL_FAILED';
  constructor(
    readonly status: number,
    readonly apiCode: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** One call to the vodforge API: the parsed JSON body of a 2xx answer, else an {@link ApiCallError}. */
export async function callApi<T>(url: string, init: RequestInit & { duplex?: 'half' }): Promise<T> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    let apiCode: string | undefined;
    try {
      const body = JSON.parse(text) as { code?: string; message?: string };
      apiCode = body.code;
      message = `${body.code ?? res.status}: ${body.message ?? text}`;
    } catch {
      /* not JSON: keep the text */
    }
    throw new ApiCallError(res.status, apiCode, `${init.method ?? 'GET'} ${url} failed with ${res.status} ${message}`);
  }
  return JSON.parse(text) as T;
}
