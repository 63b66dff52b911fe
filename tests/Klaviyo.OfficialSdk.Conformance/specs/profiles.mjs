import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apis, email, failure } from '../lib/klaviyo.mjs';

const { profiles } = apis();

test('profile-import creates (201) then updates (200) the same profile', async () => {
  const address = email('ada');
  const created = await profiles.createOrUpdateProfile({
    data: { type: 'profile', attributes: { email: address, firstName: 'Ada', properties: { plan: 'pro' } } },
  });
  assert.equal(created.response.status, 201);
  assert.equal(created.body.data.attributes.email, address);
  assert.equal(created.body.data.attributes.firstName, 'Ada');
  const updated = await profiles.createOrUpdateProfile({
    data: { type: 'profile', attributes: { email: address, lastName: 'Lovelace' } },
  });
  assert.equal(updated.response.status, 200);
  assert.equal(updated.body.data.id, created.body.data.id);
  assert.equal(updated.body.data.attributes.firstName, 'Ada');
  assert.equal(updated.body.data.attributes.lastName, 'Lovelace');
  assert.deepEqual(updated.body.data.attributes.properties, { plan: 'pro' });
});

test('createProfile answers 201, and 409 duplicate_profile naming the existing profile', async () => {
  const address = email('bob');
  const created = await profiles.createProfile({ data: { type: 'profile', attributes: { email: address } } });
  assert.equal(created.response.status, 201);
  const duplicate = await failure(profiles.createProfile({ data: { type: 'profile', attributes: { email: address } } }));
  assert.equal(duplicate.status, 409);
  assert.equal(duplicate.errors[0].code, 'duplicate_profile');
  assert.equal(duplicate.errors[0].meta.duplicate_profile_id, created.body.data.id);
});

test('updateProfile (PATCH) changes the profile and getProfile reads it back', async () => {
  const created = await profiles.createProfile({ data: { type: 'profile', attributes: { email: email('cy') } } });
  const id = created.body.data.id;
  const patched = await profiles.updateProfile(id, {
    data: { type: 'profile', id, attributes: { title: 'Engineer', location: { city: 'Boston' } } },
  });
  assert.equal(patched.response.status, 200);
  const read = await profiles.getProfile(id);
  assert.equal(read.body.data.attributes.title, 'Engineer');
  assert.equal(read.body.data.attributes.location.city, 'Boston');
  const missing = await failure(profiles.getProfile('01JZZZZZZZZZZZZZZZZZZZZZZZ'));
  assert.equal(missing.status, 404);
});

test('getProfiles filters by email, any(), a date, and pages with the links.next cursor', async () => {
  const addresses = [email('p1'), email('p2'), email('p3')];
  for (const address of addresses) {
    await profiles.createOrUpdateProfile({ data: { type: 'profile', attributes: { email: address } } });
  }
  const one = await profiles.getProfiles({ filter: `equals(email,"${addresses[0]}")` });
  assert.deepEqual(one.body.data.map((p) => p.attributes.email), [addresses[0]]);

  const filter = `any(email,["${addresses.join('","')}"])`;
  const first = await profiles.getProfiles({ filter, pageSize: 2 });
  assert.equal(first.body.data.length, 2);
  assert.ok(first.body.links.next, 'a next link');
  const second = await profiles.getProfiles({ filter, pageSize: 2, pageCursor: first.body.links.next });
  assert.equal(second.body.data.length, 1);
  const seen = [...first.body.data, ...second.body.data].map((p) => p.attributes.email).sort();
  assert.deepEqual(seen, [...addresses].sort());

  const recent = await profiles.getProfiles({ filter: `and(greater-than(created,2020-01-01T00:00:00Z),${filter})` });
  assert.equal(recent.body.data.length, 3);
  const none = await profiles.getProfiles({ filter: `and(less-than(created,2020-01-01T00:00:00Z),${filter})` });
  assert.equal(none.body.data.length, 0);
  const sorted = await profiles.getProfiles({ filter, sort: '-email' });
  assert.deepEqual(sorted.body.data.map((p) => p.attributes.email), [...addresses].sort().reverse());
});

test('subscriptions in a profile answer have the spec shape, NEVER_SUBSCRIBED by default', async () => {
  const created = await profiles.createOrUpdateProfile(
    { data: { type: 'profile', attributes: { email: email('sub') } } },
    { additionalFieldsProfile: ['subscriptions'] },
  );
  const subscriptions = created.body.data.attributes.subscriptions;
  assert.equal(subscriptions.email.marketing.consent, 'NEVER_SUBSCRIBED');
  assert.equal(subscriptions.email.marketing.canReceiveEmailMarketing, false);
  assert.equal(subscriptions.sms.marketing.consent, 'NEVER_SUBSCRIBED');
  assert.equal(subscriptions.sms.transactional.canReceiveSmsTransactional, false);
});
