import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apis, email, failure } from '../lib/klaviyo.mjs';

const { privacy, profiles } = apis();

test('requestProfileDeletion (202) removes the profile', async () => {
  const address = email('gone');
  const created = await profiles.createProfile({ data: { type: 'profile', attributes: { email: address } } });
  const answer = await privacy.requestProfileDeletion({
    data: { type: 'data-privacy-deletion-job', attributes: { profile: { data: { type: 'profile', attributes: { email: address } } } } },
  });
  assert.equal(answer.response.status, 202);
  const missing = await failure(profiles.getProfile(created.body.data.id));
  assert.equal(missing.status, 404);
});
