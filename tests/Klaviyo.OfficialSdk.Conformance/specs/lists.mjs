import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apis, email } from '../lib/klaviyo.mjs';

const { lists, profiles } = apis();

test('createList, add and remove members, read them back', async () => {
  const created = await lists.createList({ data: { type: 'list', attributes: { name: 'VIP' } } });
  assert.equal(created.response.status, 201);
  const listId = created.body.data.id;
  assert.equal(created.body.data.attributes.optInProcess, 'double_opt_in');

  const all = await lists.getLists();
  assert.ok(all.body.data.some((l) => l.id === listId));

  const ids = [];
  for (const name of ['m1', 'm2']) {
    const p = await profiles.createProfile({ data: { type: 'profile', attributes: { email: email(name) } } });
    ids.push(p.body.data.id);
  }
  const added = await lists.addProfilesToList(listId, { data: ids.map((id) => ({ type: 'profile', id })) });
  assert.equal(added.response.status, 204);
  const members = await lists.getProfilesForList(listId);
  assert.deepEqual(members.body.data.map((p) => p.id).sort(), [...ids].sort());

  const removed = await lists.removeProfilesFromList(listId, { data: [{ type: 'profile', id: ids[0] }] });
  assert.equal(removed.response.status, 204);
  const after = await lists.getProfilesForList(listId);
  assert.deepEqual(after.body.data.map((p) => p.id), [ids[1]]);
});
