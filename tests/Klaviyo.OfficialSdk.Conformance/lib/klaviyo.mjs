// Klaviyo's official SDK pointed at the emulator named by KLAVIYO_BASE_URL (the SDK's basePath).
import {
  AccountsApi, ApiKeySession, DataPrivacyApi, EventsApi, ListsApi, ProfilesApi, RetryWithExponentialBackoff,
} from 'klaviyo-api';

export const baseUrl = (process.env.KLAVIYO_BASE_URL ?? '').replace(/\/$/, '');
if (!baseUrl) {
  throw new Error('Set KLAVIYO_BASE_URL to a running Klaviyo emulator, e.g. http://127.0.0.1:5080');
}

/** The SDK's APIs for one key; 429/503 are retried by the SDK itself. */
export function apis(key = 'pk_conformance') {
  const session = new ApiKeySession(key, new RetryWithExponentialBackoff({ numRetries: 5, maxInterval: 5 }));
  const make = (Api) => {
    const api = new Api(session);
    api.basePath = baseUrl;
    return api;
  };
  return {
    profiles: make(ProfilesApi),
    events: make(EventsApi),
    lists: make(ListsApi),
    privacy: make(DataPrivacyApi),
    accounts: make(AccountsApi),
  };
}

/** A unique email for this run, so test files never share people. */
export function email(name) {
  return `${name}.${process.pid}.${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** The HTTP error the SDK threw (axios), as { status, errors }. */
export async function failure(promise) {
  try {
    await promise;
  } catch (error) {
    if (!error.response) throw error;
    return { status: error.response.status, errors: error.response.data?.errors ?? [] };
  }
  throw new Error('Expected the call to fail.');
}

/** Calls the emulator's admin API (not part of Klaviyo's). */
export async function admin(path, body) {
  const response = await fetch(`${baseUrl}/_emulator/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

/** Reads a profile bulk import job; the emulator (job delay 0) has applied it by the first read. */
export async function completedJob(profiles, jobId) {
  const { body } = await profiles.getBulkImportProfilesJob(jobId);
  if (body.data.attributes.status !== 'complete') {
    throw new Error(`Job ${jobId} is ${body.data.attributes.status}; start the emulator with no job delay.`);
  }
  return body.data;
}
