import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apis, email, failure } from '../lib/klaviyo.mjs';

const { profiles, events, accounts } = apis();

test('an invalid email is a 400 with a pointer', async () => {
  const bad = await failure(profiles.createOrUpdateProfile({ data: { type: 'profile', attributes: { email: 'not-an-email' } } }));
  assert.equal(bad.status, 400);
  assert.equal(bad.errors[0].source.pointer, '/data/attributes/email');
});

test('an unknown attribute is a 400 pointing at it', async () => {
  const bad = await failure(events.createEvent({
    data: {
      type: 'event',
      attributes: {
        properties: {},
        metric: { data: { type: 'metric', attributes: { name: 'X' } } },
        profile: { data: { type: 'profile', attributes: { email: email('x') } } },
        time: 'yesterday',
      },
    },
  }));
  assert.equal(bad.status, 400);
  assert.equal(bad.errors[0].source.pointer, '/data/attributes/time');
});

test('a filter field the endpoint does not allow is a 400 on the filter parameter', async () => {
  const bad = await failure(profiles.getProfiles({ filter: 'any(_kx,["a"])' }));
  assert.equal(bad.status, 400);
  assert.equal(bad.errors[0].source.parameter, 'filter');
});

test('a key without the needed scopes is a 403, a good key reads the account', async () => {
  const forbidden = apis(process.env.KLAVIYO_FORBIDDEN_KEY ?? 'pk_forbidden');
  const denied = await failure(forbidden.accounts.getAccounts());
  assert.equal(denied.status, 403);
  assert.equal(denied.errors[0].code, 'permission_denied');
  const ok = await accounts.getAccounts();
  assert.equal(ok.response.status, 200);
  assert.equal(ok.body.data[0].type, 'account');
});
